/**
 * A one-off command on a cluster (the release command, `fdock run --remote CLUSTER`): a Swarm job
 * (swarmArgv.job) on the stack's overlay network, where the app's services answer by name, with
 * the app's environment and credentials. fdock waits for its one task to end, reads its output
 * back (`docker service logs`) and its exit code from the task, then removes the job.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import { runArgv } from "../../exec.js";
import type { Project } from "../../project/model.js";
import { appCredentialFiles, credentialPath, secretName } from "../../render/swarm-services.js";
import { STACK_LABEL } from "../ops/reach-cluster.js";
import { pullFailure } from "./registry-push.js";
import { swarmArgv, type ManagerTarget, type SwarmJob } from "./swarm-argv.js";

/** The manager a job runs through: its docker CLI context and API. */
export interface JobManager extends ManagerTarget {
  name: string;
  env: NodeJS.ProcessEnv;
  docker: Docker;
}

export interface JobResult {
  exitCode: number;
  /** Its stdout and stderr. */
  output: string;
  /** Swarm's reason when the task did not run to its end (could not start, rejected). */
  error?: string;
}

interface TaskInfo {
  NodeID: string;
  Status: { State: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

/** Task states after which a job's task does nothing more. */
const ENDED = new Set(["complete", "failed", "rejected", "shutdown", "orphaned", "remove"]);

/** The stack's overlay network (compose/swarm.yaml.tmpl's `app`). */
export const stackNetwork = (app: string) => `${app}_app`;

/**
 * The stack's overlay network, made now when the stack does not exist yet (a first deploy's release
 * command runs before `docker stack deploy`, and with no services nothing has made it): labelled as
 * the stack's own, so that `docker stack deploy` takes it as it is and `docker stack rm` removes it.
 */
export async function ensureStackNetwork(docker: Docker, app: string): Promise<void> {
  const name = stackNetwork(app);
  const found = (await docker.listNetworks({ filters: JSON.stringify({ name: [name] }) })) as Array<{ Name: string }>;
  if (found.some((n) => n.Name === name)) return;
  await docker.createNetwork({ Name: name, Driver: "overlay", Attachable: true, Labels: { [STACK_LABEL]: app } });
}

/** A job for the app: its image, the command through `sh -c` or as argv, its environment and credentials. */
export function appJob(project: Project, what: "release" | "run", image: string, command: string[], constraints?: string[]): SwarmJob {
  const app = project.config.name;
  return {
    app,
    name: `${app}_${what}-${randomBytes(3).toString("hex")}`,
    image,
    command,
    network: stackNetwork(app),
    env: { FDOCK_APP: project.config.app },
    envFile: project.config.env_file ? join(project.dir, project.config.env_file) : undefined,
    secrets: appCredentialFiles(project).map((f) => ({ source: secretName(app, f), target: credentialPath(f) })),
    withRegistryAuth: Boolean(project.config.registry),
    constraints,
  };
}

/**
 * Runs the job to its end (at most timeoutMs; `stop` ends it early) and removes it. With the
 * user's `registry`, a task that never ran because its node could not pull the image is the
 * registry's UserError naming that machine (as for the web tasks), not Swarm's "No such image".
 */
export async function runJob(manager: JobManager, job: SwarmJob, opts: { timeoutMs: number; stop?: AbortSignal; registry?: string }): Promise<JobResult> {
  const created = await runArgv(swarmArgv.job(manager, job), { env: manager.env });
  if (created.exitCode !== 0) {
    throw new UserError(`Could not start a one-off task on ${manager.name}: ${(created.stderr || created.stdout).trim()}`, "Check that the stack was deployed (`fdock up --remote CLUSTER`) and the env file exists; then run the command again.");
  }
  try {
    const deadline = Date.now() + opts.timeoutMs;
    let task: TaskInfo | undefined;
    for (;;) {
      const tasks = (await manager.docker.listTasks({ filters: JSON.stringify({ service: [job.name] }) })) as TaskInfo[];
      task = tasks.find((t) => ENDED.has(t.Status.State));
      if (task || opts.stop?.aborted) break;
      if (Date.now() > deadline) {
        const state = tasks[0]?.Status;
        throw new UserError(
          `The one-off task ${job.name} did not end within ${opts.timeoutMs / 1000} s (its state: ${state?.State ?? "not scheduled"}${state?.Err ? `: ${state.Err}` : ""}).`,
          `See \`docker --context fdock-${manager.name} service ps --no-trunc ${job.name}\` while it runs; it was removed.`,
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const logs = await runArgv(swarmArgv.jobLogs(manager, job.name), { env: manager.env });
    const output = [logs.stdout, logs.stderr].filter((t) => t.trim()).join("\n");
    // A command that failed has its exit code; a task that never ran its command has none (or 0), and Swarm's reason.
    const code = task?.Status.ContainerStatus?.ExitCode;
    const complete = task?.Status.State === "complete";
    const exitCode = complete ? 0 : code || 1;
    const error = task && !complete && !code ? (task.Status.Err ?? task.Status.State) : undefined;
    const unpulled = error && opts.registry ? await pullFailure(manager.docker, [job.name], opts.registry) : undefined;
    if (unpulled) throw unpulled;
    return { exitCode: opts.stop?.aborted ? 130 : exitCode, output, error };
  } finally {
    await manager.docker.getService(job.name).remove().catch(() => undefined);
  }
}
