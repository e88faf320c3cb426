/**
 * The stack commands as the CLI runs them: each picks its engine (engine-target.ts) and then
 * acts there. One function per command, so the CLI only parses, calls one and renders.
 */
import { UserError } from "../errors.js";
import type { Reporter } from "../events.js";
import type { BackupResult } from "./backup.js";
import type { RestoreResult } from "./backup-restore.js";
import type { ClusterTask } from "../cluster/ops/tasks.js";
import type { ComposeProject, PsEntry } from "./compose-project.js";
import { deployOptions, engineTarget, type RemoteChoice } from "./engine-target.js";
import type { Release } from "./releases.js";
import type { RollbackResult } from "./rollback.js";
import type { UpResult } from "./up.js";

export interface OnEngine {
  dir: string;
  remote: RemoteChoice;
  env: NodeJS.ProcessEnv;
}

/** `fdock build`: the images, on the local engine. */
export async function buildHere(req: { dir: string; env: NodeJS.ProcessEnv; onOutput?: (text: string) => void }, reporter: Reporter): Promise<void> {
  await engineTarget(undefined, req.env);
  const { build } = await import("./build.js");
  await build({ dir: req.dir, mode: "production", publishHost: "127.0.0.1", onOutput: req.onOutput }, reporter);
}

/** `fdock up`: deploy here, on a machine (announced first), or on a cluster (--remote CLUSTER). */
export async function deploy(req: OnEngine & { production: boolean; port?: number; replicas?: number; onOutput?: (text: string) => void }, reporter: Reporter, signal: AbortSignal): Promise<UpResult> {
  const { clusterNamed } = await import("../cluster/deploy/cluster-target.js");
  const cluster = clusterNamed(req.remote, req.env);
  if (cluster) {
    const { deployToCluster } = await import("../cluster/deploy/deploy.js");
    return deployToCluster({ dir: req.dir, cluster, env: req.env, port: req.port, replicas: req.replicas, onOutput: req.onOutput }, reporter, signal);
  }
  if (req.replicas !== undefined) throw new UserError("--replicas applies to a cluster only: `fdock up --remote CLUSTER --replicas N`.", "On one engine, gunicorn's workers are set by workers.count in fdock.yaml.");
  const target = await engineTarget(req.remote, req.env);
  if (target) reporter.emit({ kind: "info", message: `deploying to machine ${target.name} (${target.host})` });
  const { up } = await import("./up.js");
  return up(deployOptions(target, req), reporter, target?.docker, signal);
}

/** The cluster `--remote` names (or means, bare, after `fdock use CLUSTER`); undefined for an engine. */
async function clusterOf(req: OnEngine): Promise<string | undefined> {
  const { clusterNamed } = await import("../cluster/deploy/cluster-target.js");
  return clusterNamed(req.remote, req.env);
}

/** `fdock rollback`: the production stack back to a release (default: the one before the current one). */
export async function rollBackTo(release: string | undefined, req: OnEngine & { port?: number }, reporter: Reporter, signal: AbortSignal): Promise<RollbackResult> {
  const cluster = await clusterOf(req);
  if (cluster) {
    if (req.port !== undefined) throw new UserError("--port does not apply to a rollback on a cluster: the release's stack file names nginx's port.", `Run \`fdock rollback --remote ${cluster}\` without --port.`);
    const { rollbackCluster } = await import("../cluster/ops/cluster-rollback.js");
    return rollbackCluster({ dir: req.dir, cluster, env: req.env }, reporter, release, signal);
  }
  const target = await engineTarget(req.remote, req.env);
  const { rollback } = await import("./rollback.js");
  return rollback(deployOptions(target, { dir: req.dir, production: true, port: req.port }), reporter, release, target?.docker, signal);
}

/** `fdock releases`: newest first. */
export async function releasesOn(req: OnEngine): Promise<Release[]> {
  const cluster = await clusterOf(req);
  if (cluster) return (await import("../cluster/ops/cluster-releases.js")).clusterReleases(req.dir, cluster, req.env);
  const target = await engineTarget(req.remote, req.env);
  const { releasesOf } = await import("./releases.js");
  return releasesOf(req.dir, target?.env ?? req.env, target?.docker);
}

/**
 * `fdock down`: stops the stack; with volumes, deletes the data once the user said yes (yes, or
 * confirm where someone can answer). False when nothing was removed.
 */
export async function downOn(req: OnEngine & { volumes: boolean; yes: boolean; confirm?: (question: string) => Promise<boolean> }, reporter: Reporter): Promise<boolean> {
  const cluster = await clusterOf(req);
  if (cluster) return (await import("../cluster/ops/cluster-down.js")).downCluster({ ...req, cluster }, reporter);
  const target = await engineTarget(req.remote, req.env);
  const { downStack } = await import("./down.js");
  const where = target ? { env: target.env, dockerArgs: target.dockerArgs } : {};
  return downStack(req.dir, { volumes: req.volumes, yes: req.yes, confirm: req.confirm, ...where }, reporter, target?.docker);
}

/** The compose project of the last `fdock up` on the chosen engine. */
async function composeOn(req: OnEngine, onOutput?: (text: string) => void): Promise<ComposeProject> {
  const target = await engineTarget(req.remote, req.env);
  const { existingCompose } = await import("./existing-compose.js");
  return existingCompose(req.dir, target ? { env: target.env, dockerArgs: target.dockerArgs, onOutput } : { onOutput });
}

/**
 * `fdock ps`: the app's containers, services and processes included; the credentials step, which
 * exits once it has done its work, only while it has not.
 */
export async function containersOn(req: OnEngine): Promise<PsEntry[]> {
  return (await composeOn(req)).ps().then((rows) => rows.filter((r) => !(r.service === "credentials" && r.state === "exited")));
}

/** `fdock ps --remote CLUSTER`: the app's tasks on the cluster, each with its machine; undefined when --remote names no cluster. */
export async function clusterTasksOn(req: OnEngine): Promise<ClusterTask[] | undefined> {
  const cluster = await clusterOf(req);
  return cluster ? (await import("../cluster/ops/tasks.js")).clusterTasks(req.dir, cluster, req.env) : undefined;
}

/** `fdock logs`: the services' logs (default: gunicorn and nginx; on a cluster, all of the stack's), written to onOutput as they come. */
export async function logsOn(req: OnEngine & { services: string[]; follow: boolean; tail?: number }, onOutput: (text: string) => void): Promise<void> {
  const cluster = await clusterOf(req);
  if (cluster) return (await import("../cluster/ops/logs.js")).clusterLogs({ ...req, cluster }, onOutput);
  const compose = await composeOn(req, onOutput);
  await compose.logs(req.services.length ? req.services : ["gunicorn", "nginx"], { follow: req.follow, tail: req.tail });
}

/** `fdock backup`: the app's data into one local file (backup.ts). */
export async function backupOn(req: OnEngine & { output?: string; cwd: string }, reporter: Reporter): Promise<BackupResult> {
  const target = await engineTarget(req.remote, req.env);
  const { backupStack } = await import("./backup.js");
  return backupStack({ dir: req.dir, env: target?.env ?? req.env, output: req.output, cwd: req.cwd, where: target ? `machine ${target.name}` : "the local engine" }, reporter, target?.docker);
}

/** `fdock restore FILE`: a backup's data back into the running app, once the user said yes (backup-restore.ts). */
export async function restoreOn(
  req: OnEngine & { file: string; yes: boolean; confirm?: (question: string) => Promise<boolean>; fromApp?: string },
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<RestoreResult> {
  const target = await engineTarget(req.remote, req.env);
  const { restoreStack } = await import("./backup-restore.js");
  const { file, yes, confirm, fromApp } = req;
  return restoreStack({ dir: req.dir, env: target?.env ?? req.env, file, yes, confirm, fromApp, signal, where: target ? `machine ${target.name}` : "the local engine" }, reporter, target?.docker);
}
