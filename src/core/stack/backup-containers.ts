/**
 * The running containers a backup reads from and a restore writes to: the postgres service's
 * container, and the app's web (gunicorn) and process containers, found by compose's labels.
 */
import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../errors.js";
import { COMPOSE_LABELS, SERVICE_USER } from "../render/layout.js";
import { execStreamed } from "./backup-exec.js";

export interface AppContainers {
  postgres?: string;
  /** The web container the persistent paths are read from (in production, the serving one). */
  gunicorn?: string;
  /** Every running container that writes the app's data: gunicorn's and the processes'. */
  writers: Array<{ id: string; service: string }>;
}

/** The app's running containers by service. */
export async function appContainers(docker: Docker, app: string, processes: readonly string[]): Promise<AppContainers> {
  const rows = await docker.listContainers({ filters: { label: [`${COMPOSE_LABELS.project}=${app}`], status: ["running"] } });
  const service = (c: Docker.ContainerInfo): string => c.Labels[COMPOSE_LABELS.service] ?? "";
  // Newest first: during a blue-green switch the new gunicorn is the one that stays.
  const gunicorns = rows.filter((c) => service(c) === "gunicorn").sort((a, b) => b.Created - a.Created);
  return {
    postgres: rows.find((c) => service(c) === "postgres")?.Id,
    gunicorn: gunicorns[0]?.Id,
    writers: rows.filter((c) => service(c) === "gunicorn" || processes.includes(service(c))).map((c) => ({ id: c.Id, service: service(c) })),
  };
}

/** What runs nothing of the app says how to start it. */
export function notRunning(app: string, what: string, where: string): UserError {
  return new UserError(`${what} of ${app} is not running on ${where}.`, "Start the app with `fdock up` (with the same --remote, if any), then run this again.");
}

/** The flags every postgres client gets: the app's user and database, over the local socket (trusted: no password). */
export const PG_CLIENT = ["--username", SERVICE_USER, "--dbname", SERVICE_USER];
/** The OS user the clients run as in the postgres container. */
export const PG_OS_USER = "postgres";

/** The running server's version: "15.10" and its major, 15. */
export async function postgresVersion(docker: Docker, containerId: string): Promise<{ version: string; major: number }> {
  const r = await execStreamed(docker, containerId, { user: PG_OS_USER, cmd: ["psql", "-XAtq", ...PG_CLIENT, "-c", "SELECT current_setting('server_version_num'), current_setting('server_version')"] });
  const [num, version] = r.stdout.trim().split("|");
  const n = Number(num);
  if (r.exitCode !== 0 || !Number.isInteger(n)) {
    throw new UserError(`Could not ask postgres for its version (psql exit ${r.exitCode}).`, "`fdock logs postgres` shows the server's state; run this again once it is healthy.", r.stderr.trim());
  }
  return { version: (version ?? String(n)).split(" ")[0]!, major: n >= 100000 ? Math.floor(n / 10000) : Math.floor(n / 100) };
}

/** Stops containers (each with its own grace period, as compose configured it). */
export async function stopAll(docker: Docker, ids: readonly string[]): Promise<void> {
  await Promise.all(ids.map((id) => docker.getContainer(id).stop().catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 304) throw e; // 304: stopped already
  })));
}

/**
 * Starts containers again and waits until each that has a health check is healthy (bounded):
 * false when one is not within the bound.
 */
export async function startAll(docker: Docker, ids: readonly string[], boundMs = 180_000): Promise<boolean> {
  for (const id of ids) await docker.getContainer(id).start().catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 304) throw e;
  });
  const deadline = Date.now() + boundMs;
  for (const id of ids) {
    for (;;) {
      const state = (await docker.getContainer(id).inspect()).State as { Running: boolean; Health?: { Status: string } };
      if (!state.Health || state.Health.Status === "healthy") break;
      if (!state.Running || Date.now() > deadline) return false;
      await sleep(250);
    }
  }
  return true;
}

/** Reloads the app's nginx containers so they look up gunicorn's address again (it may change on a restart). */
export async function reloadNginx(docker: Docker, app: string): Promise<void> {
  const rows = await docker.listContainers({ filters: { label: [`${COMPOSE_LABELS.project}=${app}`, `${COMPOSE_LABELS.service}=nginx`], status: ["running"] } });
  for (const c of rows) await execStreamed(docker, c.Id, { cmd: ["nginx", "-s", "reload"] });
}
