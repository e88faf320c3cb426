/**
 * A cluster deploy's backing services (postgres, redis), before the release command: their
 * credentials made once (credentials.ts), then the stack's services alone deployed from their own
 * file (no --prune: the app keeps running as it is) and watched until each task runs healthy on
 * the node that holds its data. A service whose spec did not change is left running as it is:
 * a code-only deploy never restarts a database.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HealthCheckError, UserError } from "../../errors.js";
import { runArgv } from "../../exec.js";
import { serviceImage, type Project } from "../../project/model.js";
import { serviceKinds } from "../../render/services.js";
import { bundleDir } from "../../stack/bundle-files.js";
import { ComposeFailure, lastLines, runCompose } from "../../stack/compose-project.js";
import { watchRollout } from "./converge.js";
import { ensureCredentials } from "./credentials.js";
import type { JobManager } from "./swarm-job.js";
import { swarmArgv } from "./swarm-argv.js";

/** The backing services' stack file, beside swarm.yaml. */
export const SWARM_SERVICES_FILE = "swarm-services.yaml";

/** How long the services have to become healthy (postgres initialising its data on a first deploy). */
const SERVICES_TIMEOUT_MS = 300_000;

export async function deployBackingServices(manager: JobManager, project: Project, stackFile: string, onOutput?: (text: string) => void): Promise<void> {
  const app = project.config.name;
  const kinds = serviceKinds(project);
  await ensureCredentials(manager.docker, app, kinds);
  const dir = bundleDir(project.dir);
  writeFileSync(join(dir, SWARM_SERVICES_FILE), stackFile);
  await runCompose("stack deploy", swarmArgv.deployServices(manager, app, SWARM_SERVICES_FILE), { cwd: dir, env: manager.env, onOutput }).catch((e: unknown) => {
    if (!(e instanceof ComposeFailure)) throw e;
    throw new UserError(`docker stack deploy of ${kinds.join(" and ")} failed on ${manager.name}: ${lastLines(e.output, 3)}`, "Its output is above; the running version (if any) still serves.", lastLines(e.output, 20));
  });
  const services = Object.fromEntries(kinds.map((k) => [`${app}_${k}`, serviceImage(project.config, k)!]));
  const outcome = await watchRollout(manager.docker, services, SERVICES_TIMEOUT_MS);
  const failed = [...outcome.rolledBack.map((r) => r.service), ...outcome.stuck.map((s) => s.service)];
  if (!failed.length) return;
  const logs = await Promise.all(failed.map((s) => runArgv({ file: "docker", args: [...manager.dockerArgs, "service", "logs", "--tail", "30", "--no-trunc", s] }, { env: manager.env }).then((r) => r.stdout + r.stderr, () => "")));
  const names = failed.map((s) => s.slice(app.length + 1));
  throw new HealthCheckError(
    `${names.join(" and ")} did not become healthy, so the deploy stopped before the release command.`,
    `Their output is above. Nothing of the app was replaced: the running version (if any) still serves. \`docker --context fdock-${manager.name} service ps --no-trunc ${failed[0]}\` shows why its tasks stopped.`,
    lastLines([...outcome.stuck.flatMap((s) => s.errors.map((e) => `${s.service}: ${e}`)), ...logs].filter((t) => t.trim()).join("\n"), 40),
  );
}
