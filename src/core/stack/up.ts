import type Docker from "dockerode";
import { PrecheckError, UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { memoryText, type WorkerPlan } from "../project/workers.js";
import { ComposeFailure, lastLines } from "./compose-project.js";
import { explainBuildFailure, portTakenError, unreadableSource } from "./failures.js";
import { portIsFree, tcpAnswers } from "../tcp-port.js";
import { runningContainers, startStack } from "./start.js";
import { acquireDeployLock } from "./deploy-lock.js";
import { deployProduction } from "./blue-green.js";
import { DeployInterrupted, stopIfAborted } from "./interrupted.js";
import { recordRelease } from "./releases.js";
import { asProjectOwner } from "./ownership.js";
import { prepareStack, type Stack, type StackOptions } from "./prepare.js";
import { checkPostgresData } from "./postgres-data.js";
import { servicesLine, startProcesses, startServices } from "./services.js";
import { serviceKinds } from "../render/services.js";
import { checkEdge, serveAtEdge } from "./edge-deploy.js";
import { checkServing, servedUrl, type Entry } from "./serve-check.js";
import { STACK_LABEL } from "../cluster/ops/reach-cluster.js";
import { ClusterStore } from "../cluster/store.js";

export interface UpResult {
  url: string;
  port: number;
  mode: string;
  project: string;
  engineCpus: number;
  workers: WorkerPlan;
  /** Production: the release that now serves (`fdock releases`). */
  release?: string;
}

/**
 * Build, release, start and wait until nginx serves the app's health path. Once `signal` fires,
 * it stops after the step in flight, removes what it started (the running version keeps
 * serving), releases the lock and throws DeployInterrupted.
 */
export async function up(opts: StackOptions, reporter: Reporter, docker?: Docker, signal?: AbortSignal): Promise<UpResult> {
  const stack = await step(reporter, "render", "Render images and compose file", () => prepareStack(opts, docker));
  stopIfAborted(signal);
  reporter.emit({
    kind: "info",
    message: `engine has ${stack.engine.cpus} CPUs${stack.engine.memoryBytes ? ` and ${memoryText(stack.engine.memoryBytes)}` : ""}: ${stack.plan.workers} ${stack.plan.workerClass} workers (${stack.plan.reason})`,
  });
  const lock = await acquireDeployLock(stack.docker, stack.project.config.name);
  if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
  try {
    return await asProjectOwner(stack.docker, stack.project, opts.env, () => deploy(stack, opts, reporter, signal));
  } catch (e) {
    // On a terminal Ctrl-C also reaches compose (same process group): its failure is the interruption.
    if (signal?.aborted && !(e instanceof DeployInterrupted)) throw new DeployInterrupted("Ctrl-C also stopped the command in flight; fdock removed what it had started.");
    throw e;
  } finally {
    await lock.release();
  }
}

/** Everything after the render, while this process holds the project's deploy lock. */
async function deploy(stack: Stack, opts: StackOptions, reporter: Reporter, signal?: AbortSignal): Promise<UpResult> {
  const { project, compose, target } = stack;

  if (target.edge) {
    const where = opts.remoteHost ? ` on ${opts.remoteHost}` : "";
    await step(reporter, "port", `Check the app's names and ports 80 and 443${where} for the edge`, () => checkEdge(stack, opts.remoteHost));
  } else if (target.publish.port !== 0) {
    const where = opts.remoteHost ? ` on ${opts.remoteHost}` : "";
    await step(reporter, "port", `Check port ${target.publish.port}${where}`, () => checkPort(stack, opts.remoteHost, opts.machine, opts.env));
  }
  if (project.config.services.postgres) await step(reporter, "data", "Check the postgres data's version", () => checkPostgresData(stack));
  stopIfAborted(signal);
  await step(reporter, "build", "Build gunicorn and nginx images", async () => {
    try {
      await compose.build();
    } catch (e) {
      throw explainBuildFailure(e, project);
    }
  });
  stopIfAborted(signal);
  if (serviceKinds(project).length) {
    await step(reporter, "services", `Start services (${servicesLine(stack)}), wait until healthy`, () => startServices(stack));
    stopIfAborted(signal);
  }
  if (project.config.release) {
    await step(reporter, "release", `Release: ${project.config.release}`, async () => {
      try {
        await compose.runRelease();
      } catch (e) {
        if (!(e instanceof ComposeFailure)) throw e;
        // A first deploy whose release fails leaves no network behind; a running app keeps serving.
        if ((await compose.ps().catch(() => [{}])).length === 0) await compose.down(false).catch(() => undefined);
        const unreadable = target.mode === "development" ? unreadableSource(project.dir, e.output, target.devUser) : null;
        if (unreadable) throw new UserError(unreadable.message, unreadable.hint, lastLines(e.output, 40));
        throw new UserError(
          `The release command failed: ${project.config.release}`,
          "Its output is above. Nothing was replaced: the running app (if any) still serves.",
          lastLines(e.output, 40),
        );
      }
    });
  }
  stopIfAborted(signal);
  if (target.mode === "production") {
    await step(reporter, "start", "Start the new version beside the running one, wait until healthy, switch to it", () => deployProduction(stack, signal));
  } else {
    await step(reporter, "start", "Start nginx and gunicorn, wait until healthy", () => startStack(stack));
  }
  await startProcesses(stack, reporter);
  const edge = target.edge ? await serveAtEdge(stack, reporter, opts.env ?? process.env) : undefined;
  const port = edge ? (edge.https ? edge.ports.https : edge.ports.http) : target.publish.port || (await compose.publishedPort(target.mode === "production" ? "front" : "nginx", 80));
  const entry: Entry = { scheme: edge?.https ? "https" : "http", host: opts.remoteHost ?? target.publish.host ?? "127.0.0.1", port, edge: Boolean(edge) };
  await checkServing(reporter, project.config, entry, opts.remoteHost);
  let release: string | undefined;
  if (target.mode === "production") {
    // The deploy has succeeded: a failure to record it is reported, not thrown.
    release = await step(reporter, "record", "Record the release", () => recordRelease(stack)).then(
      (r) => r?.id,
      (e: Error) => void reporter.emit({ kind: "info", message: `the release was not recorded: ${e.message}` }),
    );
  }
  return {
    release,
    url: servedUrl(entry, project.config),
    port,
    mode: target.mode,
    project: project.config.name,
    engineCpus: stack.engine.cpus,
    workers: stack.plan,
  };
}

async function checkPort(stack: Stack, remoteHost?: string, machine?: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const { port, host } = stack.target.publish;
  if (remoteHost ? !(await tcpAnswers(remoteHost, port, 5_000)) : await portIsFree(port, host ?? "0.0.0.0")) return;
  // Our own front (or development nginx) holding the port is a redeploy, not a conflict.
  const ours = (await Promise.all([runningContainers(stack, "front"), runningContainers(stack, "nginx")]).catch(() => []))
    .flat()
    .some((c) => c.Ports.some((p) => p.PublicPort === port));
  if (ours) return;
  // The same app on a cluster this machine is a node of: its nginx task holds the port.
  const app = stack.project.config.name;
  const onCluster = await stack.docker.listContainers({ filters: { label: [`${STACK_LABEL}=${app}`] } }).then((cs) => cs.some((c) => c.Ports.some((p) => p.PublicPort === port)), () => false);
  if (onCluster) {
    const cluster = machine ? new ClusterStore(env).list().find((c) => [...c.managers, ...c.workers].includes(machine))?.name : undefined;
    throw new PrecheckError(
      `Port ${port} on ${remoteHost ?? "this engine"} is held by ${app}'s nginx on cluster ${cluster ?? "(a Swarm cluster)"}: ${machine ? `machine "${machine}"` : "this engine"} is one of its nodes, and deploying the app to it alone would take the port from the cluster.`,
      `Deploy to the cluster: \`fdock up --remote ${cluster ?? "CLUSTER"}\`. To run the app on this machine alone, take it off the cluster first (\`fdock down --remote ${cluster ?? "CLUSTER"}\`), or pick another port: \`fdock up --remote ${machine ?? ""} --port ${port === 80 ? 8000 : 80}\`.`,
    );
  }
  throw remoteHost ? new PrecheckError(`Port ${port} on ${remoteHost} is already in use by something other than this app.`, `Stop it there, or pick another port: \`fdock up --remote --port ${port === 80 ? 8000 : 80}\`.`) : portTakenError(port);
}
