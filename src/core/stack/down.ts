import type Docker from "dockerode";
import { UserError } from "../errors.js";
import { loadProject } from "../project/config-file.js";
import { connectEngine } from "../engine/engine.js";
import { step, type Reporter } from "../events.js";
import type { Project } from "../project/model.js";
import { serviceKinds } from "../render/services.js";
import { existingCompose, type ExistingOptions } from "./existing-compose.js";
import { acquireDeployLock } from "./deploy-lock.js";
import { checkProjectName, releaseProjectName } from "./ownership.js";
import { leaveEdge } from "./edge-deploy.js";

export interface DownOptions extends ExistingOptions {
  /** Also delete the named volumes: the app's data. */
  volumes: boolean;
  /** The user said yes to deleting the data already (--yes). */
  yes?: boolean;
  /** Asks the user a yes/no question; undefined where nobody can answer (no terminal, CI). */
  confirm?: (question: string) => Promise<boolean>;
}

/**
 * `fdock down`: asks before deleting the app's data, refuses to remove another project's stack of
 * the same name, and holds the project's deploy lock, so it never runs in the middle of a deploy.
 * Returns false when the user answered no (nothing was removed).
 */
export async function downStack(dir: string, opts: DownOptions, reporter: Reporter, docker?: Docker): Promise<boolean> {
  const env = opts.env ?? process.env;
  const compose = existingCompose(dir, opts);
  const project = loadProject(dir, env);
  const name = project.config.name;
  if (opts.volumes && !opts.yes) {
    const question = `Delete the volumes of ${name} (the app's data: ${volumeList(project)})? This cannot be undone.`;
    if (!opts.confirm) {
      throw new UserError(`\`fdock down -v\` deletes the app's data (the volumes of ${name}), so it asks first, and nobody can answer here.`, "Pass --yes to delete them without asking, or leave out -v to keep them.");
    }
    if (!(await opts.confirm(question))) return false;
  }
  const client = docker ?? (await connectEngine(env));
  await checkProjectName(client, project, env);
  const lock = await acquireDeployLock(client, name);
  if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
  try {
    if (await leaveEdge(client, name, env)) reporter.emit({ kind: "info", message: `the edge no longer routes ${project.config.server.names.join(", ")} (it keeps serving the engine's other apps, and the certificates)` });
    await step(reporter, "down", opts.volumes ? "Remove containers, networks and volumes" : "Remove containers and networks", () => compose.down(opts.volumes));
    if (opts.volumes) await releaseProjectName(client, name);
  } finally {
    await lock.release();
  }
  return true;
}

function volumeList(project: Project): string {
  const data = [...serviceKinds(project).map((k) => `the ${k} data`), ...project.config.persistent];
  return data.length ? data.join(", ") : "none declared in fdock.yaml";
}
