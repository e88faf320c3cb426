/**
 * `fdock up --remote CLUSTER`: the app as a Swarm stack on a cluster. Rendered for the cluster,
 * built once on its first answering manager, the images copied to every other node (or pushed to
 * the user's registry, fdock.yaml `registry:`, for the nodes to pull) while the release command
 * runs once on the manager (before-rollout.ts), then `docker stack deploy` on the manager and a watch of the rollout until
 * every task runs the new version (healthy) or Swarm rolled the update back.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HealthCheckError, UserError } from "../../errors.js";
import { step, type Reporter } from "../../events.js";
import { loadProject } from "../../project/config-file.js";
import { planWorkersFor } from "../../project/workers.js";
import { engineFacts } from "../../engine/engine.js";
import type { RemoteEngine } from "../../machine/remote.js";
import { renderBundle } from "../../render/bundle.js";
import { serviceKinds } from "../../render/services.js";
import { renderSwarmStack, swarmTarget, type SwarmPlan } from "../../render/swarm-compose.js";
import { bundleDir, writeBundle } from "../../stack/bundle-files.js";
import { ComposeFailure, lastLines, runCompose } from "../../stack/compose-project.js";
import { acquireDeployLock } from "../../stack/deploy-lock.js";
import { explainBuildFailure } from "../../stack/failures.js";
import { stopIfAborted } from "../../stack/interrupted.js";
import type { UpResult } from "../../stack/up.js";
import { ClusterStore } from "../store.js";
import { recordClusterRelease } from "../ops/cluster-releases.js";
import { closeEngine, reachCluster } from "../ops/reach-cluster.js";
import { watchOldTasks, watchRollout } from "./converge.js";
import { checkEveryNode } from "./serve-nodes.js";
import { beforeRollout } from "./before-rollout.js";
import { placeServices } from "./data-node.js";
import { checkClusterEngines } from "./engines.js";
import { tagByContent } from "./images.js";
import { currentProcessImage, updateProcesses } from "./processes.js";
import { pullFailure, pushStep } from "./registry-push.js";
import { checkClusterSupport } from "./support.js";
import { SWARM_FILE, swarmArgv } from "./swarm-argv.js";

export interface ClusterDeployRequest {
  dir: string;
  cluster: string;
  env: NodeJS.ProcessEnv;
  /** nginx's port on every node (default 80). */
  port?: number;
  /** gunicorn tasks (default: fdock.yaml's workers.replicas, else one per node). */
  replicas?: number;
  onOutput?: (text: string) => void;
}

export interface ClusterUpResult extends UpResult {
  cluster: { name: string; manager: string; nodes: string[]; replicas: number; images: string[] };
}

/** Deploys the project to the cluster; a HealthCheckError (exit 4) when Swarm rolled the update back. */
export async function deployToCluster(req: ClusterDeployRequest, reporter: Reporter, signal?: AbortSignal): Promise<ClusterUpResult> {
  const { env } = req;
  const cluster = new ClusterStore(env).load(req.cluster);
  const project = loadProject(req.dir, env);
  checkClusterSupport(project.config, cluster.name);
  const members = [...cluster.managers, ...cluster.workers];

  const { manager, nodes, capabilities } = await step(reporter, "nodes", `Reach the ${members.length} nodes of cluster ${cluster.name}`, async () => {
    const reached = await reachCluster(cluster.name, env);
    const { nodes, down } = reached;
    if (down.length) {
      nodes.forEach(closeEngine);
      throw new UserError(`Cluster ${cluster.name}: machine ${down.join(", ")} does not answer.`, "Every node gets the new images before the stack changes: bring it back (`fdock machine status NAME`), or take it out with `fdock cluster remove-node`.");
    }
    const versions = await Promise.all(nodes.map(async (e) => ({ machine: e.name, ...(await e.docker.version().then((v) => ({ version: v.Version, apiVersion: v.ApiVersion }))) })));
    return { manager: reached.manager, nodes, capabilities: checkClusterEngines(cluster.name, versions) };
  });
  const kinds = serviceKinds(project);
  // Where the services and their data live, checked before anything is built or changed.
  const dataMachine = kinds.length ? await step(reporter, "data-node", `Find the node that holds ${kinds.join(" and ")}'s data`, () => placeServices(manager, cluster, project.config.name, kinds)) : undefined;
  const where = { kind: "machine" as const, name: manager.name, host: manager.host };
  const engine = await engineFacts(manager.docker, env, where);
  const plan = planWorkersFor(project, engine.cpus, engine.memoryBytes);
  const port = req.port ?? 80;
  const replicas = req.replicas ?? project.config.workers.replicas ?? members.length;
  reporter.emit({ kind: "info", message: `deploying to cluster ${cluster.name} through manager ${manager.name} (${manager.host}): ${replicas} gunicorn tasks of ${plan.workers} ${plan.workerClass} workers each, nginx on every node's port ${port}` });
  const dir = bundleDir(project.dir);
  writeBundle(project.dir, renderBundle(project, plan, { ...swarmTarget(engine.cpus, port), engine: engine.capabilities }));
  stopIfAborted(signal);

  const name = project.config.name;
  const lock = await acquireDeployLock(manager.docker, name);
  const ended = new AbortController();
  if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
  try {
    const run = (command: string, argv: ReturnType<typeof swarmArgv.build>) => runCompose(command, argv, { cwd: dir, env: manager.env, onOutput: req.onOutput });
    await step(reporter, "build", `Build gunicorn and nginx images on ${manager.name}`, async () => {
      try {
        await run("build", swarmArgv.build(manager));
      } catch (e) {
        throw explainBuildFailure(e, project);
      }
    });
    let images = await tagByContent(manager.docker, name);
    stopIfAborted(signal);
    // With the user's registry: pushed there from the manager (the release then runs the registry's
    // image), pulled by the nodes (registry-push.ts); else copied to each node, in beforeRollout.
    const registry = project.config.registry;
    if (registry) images = await pushStep(reporter, manager, registry, images, req.onOutput);
    stopIfAborted(signal);

    // Processes keep their running image until the new web version is healthy (updateProcesses, after).
    const swarmPlan: SwarmPlan = { replicas, port, images: { gunicorn: images.gunicorn.ref, nginx: images.nginx.ref }, engine: capabilities };
    if (kinds.length || Object.keys(project.config.processes).length) {
      swarmPlan.services = { dataMachine, processImage: (await currentProcessImage(manager.docker, project)) ?? images.gunicorn.ref };
    }
    await beforeRollout(
      {
        cluster: cluster.name,
        manager,
        others: registry ? [] : nodes.filter((n) => n !== manager),
        project,
        images,
        services: kinds.length ? { stack: renderSwarmStack(project, plan, swarmPlan, "services"), kinds, machine: dataMachine! } : undefined,
        onOutput: req.onOutput,
      },
      reporter,
    );
    stopIfAborted(signal);

    writeStack(project.dir, renderSwarmStack(project, plan, swarmPlan));
    await step(reporter, "deploy", `docker stack deploy ${name} on ${manager.name}`, () =>
      run("stack deploy", swarmArgv.deploy(manager, name, { withRegistryAuth: Boolean(registry) })).catch((e: unknown) => {
        if (!(e instanceof ComposeFailure)) throw e;
        throw new UserError(`docker stack deploy failed on ${manager.name}: ${lastLines(e.output, 3)}`, "Its output is above; the running version (if any) still serves.", lastLines(e.output, 20));
      }),
    );
    const timeoutMs = Math.max(300, replicas * 60) * 1000;
    const services = { [`${name}_gunicorn`]: images.gunicorn.ref, [`${name}_nginx`]: images.nginx.ref };
    const outcome = await step(reporter, "rollout", `Roll out: ${replicas} gunicorn tasks started beside the old ones, each healthy before an old one stops`, () =>
      watchRollout(manager.docker, services, timeoutMs),
    );
    // A node that could not pull from the registry is not the app's failure: say which, and why.
    const unpulled = registry && (outcome.rolledBack.length || outcome.stuck.length) ? await pullFailure(manager.docker, Object.keys(services), registry) : undefined;
    if (unpulled) throw unpulled;
    if (outcome.rolledBack.length) {
      throw new HealthCheckError(
        `The new version did not get healthy on cluster ${cluster.name}: Swarm rolled ${outcome.rolledBack.map((r) => r.service).join(" and ")} back, and the old version still serves.`,
        `Swarm's reason: ${outcome.rolledBack.map((r) => r.message || "none given").join("; ")}. See the failed tasks with \`docker --context fdock-${manager.name} service ps --no-trunc ${name}_gunicorn\` and their output with \`docker --context fdock-${manager.name} service logs ${name}_gunicorn\`.`,
      );
    }
    if (outcome.stuck.length) {
      throw new HealthCheckError(
        `The stack did not converge on cluster ${cluster.name} within ${timeoutMs / 1000} s: ${outcome.stuck.map((s) => `${s.service} has ${s.running} of ${s.wanted} tasks running`).join("; ")}.`,
        `See \`docker --context fdock-${manager.name} service ps --no-trunc ${name}_gunicorn\` and \`docker --context fdock-${manager.name} service logs ${name}_gunicorn\`.`,
        outcome.stuck.flatMap((s) => s.errors.map((e) => `${s.service}: ${e}`)).join("\n") || undefined,
      );
    }
    const oldTasksGone = watchOldTasks(manager.docker, services, ended.signal);
    await checkEveryNode(reporter, project, nodes, port, manager.host);
    await updateProcesses(manager, project, plan, swarmPlan, images.gunicorn.ref, reporter, req.onOutput);
    const release = await recordClusterRelease({ manager, nodes, project, images }, reporter);
    await oldTasksGone(reporter);
    return {
      url: `http://${manager.host}${port === 80 ? "" : `:${port}`}/`,
      port,
      mode: "production",
      project: name,
      engineCpus: engine.cpus,
      workers: plan,
      release,
      cluster: { name: cluster.name, manager: manager.name, nodes: nodes.map((n: RemoteEngine) => n.name), replicas, images: [images.gunicorn.ref, images.nginx.ref] },
    };
  } finally {
    ended.abort();
    await lock.release();
    nodes.forEach(closeEngine);
  }
}

/** The stack file, beside the bundle's other files. */
function writeStack(projectDir: string, text: string): void {
  writeFileSync(join(bundleDir(projectDir), SWARM_FILE), text);
}
