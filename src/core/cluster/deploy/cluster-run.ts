/**
 * `fdock run --remote CLUSTER -- CMD`: CMD once, as a one-off task of the image the cluster's
 * gunicorn runs, with the app's environment and credentials, on the stack's network where its
 * services answer by name (the release command's way: swarm-job.ts). Its output is shown once it
 * ended and its exit code is fdock's. No terminal: the command reads no input.
 */
import { UserError } from "../../errors.js";
import { loadProject } from "../../project/config-file.js";
import { firstManager } from "../manager.js";
import { ClusterStore } from "../store.js";
import { appJob, runJob } from "./swarm-job.js";

export interface ClusterRunRequest {
  dir: string;
  cluster: string;
  env: NodeJS.ProcessEnv;
  command: readonly string[];
  /** Where its output goes (fdock's stdout). */
  write: (text: string) => void;
}

/** Resolves to CMD's exit code (130 when `interrupted` fired: the task is then removed). */
export async function runOnCluster(req: ClusterRunRequest, interrupted?: AbortSignal): Promise<number> {
  const cluster = new ClusterStore(req.env).load(req.cluster);
  const project = loadProject(req.dir, req.env);
  const app = project.config.name;
  const manager = (await firstManager(cluster, req.env)).engine;
  try {
    const service = await manager.docker.getService(`${app}_gunicorn`).inspect().catch(() => undefined);
    const image = (service as { Spec?: { TaskTemplate?: { ContainerSpec?: { Image?: string } } } } | undefined)?.Spec?.TaskTemplate?.ContainerSpec?.Image?.split("@")[0];
    if (!image) {
      throw new UserError(`${app} is not deployed on cluster ${cluster.name}, so there is nothing to run \`${req.command.join(" ")}\` in.`, `Run \`fdock up --remote ${cluster.name}\` first, then this command again.`);
    }
    const r = await runJob(manager, appJob(project, "run", image, [...req.command]), { timeoutMs: Number.POSITIVE_INFINITY, stop: interrupted, registry: project.config.registry ?? undefined });
    if (r.output) req.write(r.output.endsWith("\n") ? r.output : `${r.output}\n`);
    if (r.error) throw new UserError(`\`${req.command.join(" ")}\` could not run on cluster ${cluster.name}: ${r.error}`, `\`fdock ps --remote ${cluster.name}\` shows the app's tasks; deploy again if it is not running.`);
    return r.exitCode;
  } finally {
    (manager.docker.modem as unknown as { agent?: { close?: () => void } }).agent?.close?.();
  }
}
