/**
 * A cluster deploy's one-off release task and its processes (a worker). The release command runs
 * once per deploy as a Swarm job (swarm-job.ts), after the services are healthy and before the
 * new web version is deployed. The processes are Swarm services of the app's image that keep
 * their running image through the stack deploy, and get the new one only once the new gunicorn
 * tasks are healthy and serving (as on one engine): a web update that Swarm rolls back leaves the
 * worker on the code it ran.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { HealthCheckError, UserError } from "../../errors.js";
import { step, type Reporter } from "../../events.js";
import type { Project } from "../../project/model.js";
import type { WorkerPlan } from "../../project/workers.js";
import { renderSwarmStack, type SwarmPlan } from "../../render/swarm-compose.js";
import { bundleDir } from "../../stack/bundle-files.js";
import { ComposeFailure, lastLines, runCompose } from "../../stack/compose-project.js";
import { watchRollout } from "./converge.js";
import { SWARM_FILE, swarmArgv } from "./swarm-argv.js";
import { appJob, ensureStackNetwork, runJob, type JobManager } from "./swarm-job.js";

/** How long a release command may run. */
const RELEASE_TIMEOUT_MS = 3_600_000;
/** How long the processes have to start on their new image. */
const PROCESSES_TIMEOUT_MS = 300_000;

/** The image the app's processes run now (the first one's), undefined when none runs yet. */
export async function currentProcessImage(docker: Docker, project: Project): Promise<string | undefined> {
  const first = Object.keys(project.config.processes)[0];
  if (!first) return undefined;
  const service = await docker.getService(`${project.config.name}_${first}`).inspect().catch(() => undefined);
  const image = (service as { Spec?: { TaskTemplate?: { ContainerSpec?: { Image?: string } } } } | undefined)?.Spec?.TaskTemplate?.ContainerSpec?.Image;
  return image?.split("@")[0];
}

/**
 * The constraint that keeps a one-off task on the manager, the node that builds and so has the new
 * image first; undefined when the manager takes no tasks (drained: its availability is not active).
 */
export async function onManager(docker: Docker): Promise<string[] | undefined> {
  const id = ((await docker.info()) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID;
  if (!id) return undefined;
  const node = (await docker.getNode(id).inspect()) as { Spec?: { Availability?: string } };
  return node.Spec?.Availability === "active" ? [`node.id==${id}`] : undefined;
}

/**
 * The release command once, as a one-off task of the new image (on the nodes `constraints`
 * allow); a UserError (the old version still serving) when it fails.
 */
export async function releaseJob(manager: JobManager, project: Project, image: string, onOutput?: (text: string) => void, constraints?: string[]): Promise<void> {
  const release = project.config.release!;
  await ensureStackNetwork(manager.docker, project.config.name);
  const r = await runJob(manager, appJob(project, "release", image, ["sh", "-c", release], constraints), { timeoutMs: RELEASE_TIMEOUT_MS, registry: project.config.registry ?? undefined });
  if (r.output) onOutput?.(r.output.endsWith("\n") ? r.output : `${r.output}\n`);
  const hint = "Its output is above. Nothing was replaced: the running version (if any) still serves.";
  if (r.error) throw new UserError(`The release command could not run on cluster: ${r.error}`, hint, lastLines(r.output, 40) || undefined);
  if (r.exitCode !== 0) throw new UserError(`The release command failed: ${release}`, hint, lastLines(r.output, 40) || undefined);
}

/** The processes moved to the new image, once the new web version serves: a step of its own when there are any. */
export async function updateProcesses(manager: JobManager, project: Project, plan: WorkerPlan, swarm: SwarmPlan, image: string, reporter: Reporter, onOutput?: (text: string) => void): Promise<void> {
  const names = Object.keys(project.config.processes);
  if (!names.length || swarm.services?.processImage === image) return;
  const app = project.config.name;
  const dir = bundleDir(project.dir);
  await step(reporter, "processes", `Update processes: ${names.join(", ")} (each stopped gracefully, then started on the new image)`, async () => {
    writeFileSync(join(dir, SWARM_FILE), renderSwarmStack(project, plan, { ...swarm, services: { ...swarm.services, processImage: image } }));
    await runCompose("stack deploy", swarmArgv.deploy(manager, app, { withRegistryAuth: Boolean(project.config.registry) }), { cwd: dir, env: manager.env, onOutput }).catch((e: unknown) => {
      if (!(e instanceof ComposeFailure)) throw e;
      throw new UserError(`docker stack deploy of the processes failed on ${manager.name}: ${lastLines(e.output, 3)}`, "Its output is above; the new web version serves, the processes run their previous image.", lastLines(e.output, 20));
    });
    const outcome = await watchRollout(manager.docker, Object.fromEntries(names.map((n) => [`${app}_${n}`, image])), PROCESSES_TIMEOUT_MS);
    const failed = [...outcome.rolledBack.map((r) => r.service), ...outcome.stuck.map((s) => s.service)];
    if (failed.length) {
      throw new HealthCheckError(
        `${failed.join(" and ")} did not start on the new image: the new web version serves, ${outcome.rolledBack.length ? "Swarm rolled the processes back" : "the processes are not running"}.`,
        `See \`docker --context fdock-${manager.name} service ps --no-trunc ${failed[0]}\` and \`docker --context fdock-${manager.name} service logs ${failed[0]}\`.`,
        outcome.stuck.flatMap((s) => s.errors.map((e) => `${s.service}: ${e}`)).join("\n") || undefined,
      );
    }
  });
}
