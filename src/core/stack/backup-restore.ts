/**
 * `fdock restore FILE`: puts a backup's data back into the running app. Everything that can refuse
 * does so before anything changes: the file (an fdock backup, whole, every checksum right), the
 * app's name, the postgres major version, the persistent paths, and the user's yes. Then, holding
 * the deploy lock, the app's web and process containers are stopped for the time of the restore
 * (nothing writes into half-restored data, no pooled connection keeps a lock or a stale view),
 * the database is restored in one transaction and each persistent path replaced, and the stopped
 * containers are started again.
 */
import type Docker from "dockerode";
import { posix } from "node:path";
import { connectEngine } from "../engine/engine.js";
import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { stopIfAborted } from "../interrupt.js";
import { loadProject } from "../project/config-file.js";
import { APP_DIR } from "../render/layout.js";
import { entryStream } from "./backup-archive.js";
import { appContainers, notRunning, PG_CLIENT, PG_OS_USER, postgresVersion, reloadNginx, startAll, stopAll } from "./backup-containers.js";
import { execStreamed } from "./backup-exec.js";
import { checkRestore, readBackup, verifyBackup, type BackupFile } from "./backup-manifest.js";
import { acquireDeployLock } from "./deploy-lock.js";
import { checkProjectName } from "./ownership.js";

export interface RestoreRequest {
  dir: string;
  env: NodeJS.ProcessEnv;
  file: string;
  where: string;
  yes: boolean;
  /** Asks the user a yes/no question; undefined where nobody can answer (no terminal, CI). */
  confirm?: (question: string) => Promise<boolean>;
  /** --from-app NAME: restore NAME's backup into this app on purpose. */
  fromApp?: string;
  /** Ctrl-C: the step in flight finishes, no further one starts, and the stopped containers start again. */
  signal?: AbortSignal;
}

export interface RestoreResult {
  app: string;
  /** False when the user answered no: nothing changed. */
  restored: boolean;
  postgres: boolean;
  paths: string[];
  /** The containers stopped for the restore and started again. */
  restarted: string[];
  notes: string[];
}

/** How long pg_restore waits for a lock another connection holds (an `fdock run` shell) before it gives up, changing nothing. */
const LOCK_TIMEOUT = "60s";

export async function restoreStack(req: RestoreRequest, reporter: Reporter, docker?: Docker): Promise<RestoreResult> {
  const project = loadProject(req.dir, req.env);
  const { name: app, persistent, processes } = project.config;
  const backup = await readBackup(req.file);
  if (!req.yes && !req.confirm) {
    throw new UserError(
      `\`fdock restore\` replaces the data of ${app} on ${req.where}, so it asks first, and nobody can answer here. Nothing was changed.`,
      "Pass --yes to restore without asking.",
    );
  }
  const client = docker ?? (await connectEngine(req.env));
  const running = await appContainers(client, app, Object.keys(processes));
  if (backup.manifest.postgres && project.config.services.postgres && !running.postgres) throw notRunning(app, "The postgres service", req.where);
  if (backup.manifest.paths.length && !running.gunicorn) throw notRunning(app, "The web container (gunicorn)", req.where);
  const server = running.postgres ? await postgresVersion(client, running.postgres) : null;
  const notes = checkRestore(backup.manifest, { app, postgresMajor: project.config.services.postgres ? (server?.major ?? null) : null, persistent, fromApp: req.fromApp });
  await step(reporter, "restore-verify", `Check ${req.file} (${backup.manifest.app}, taken ${backup.manifest.createdAt} on ${backup.manifest.engine})`, () => verifyBackup(backup));
  for (const message of notes) reporter.emit({ kind: "info", message });

  const result: RestoreResult = { app, restored: false, postgres: false, paths: [], restarted: [], notes };
  if (!req.yes && !(await req.confirm!(`Replace the data of ${app} on ${req.where} with ${describe(backup)}? Its web and process containers stop meanwhile.`))) return result;

  await checkProjectName(client, project, req.env);
  const lock = await acquireDeployLock(client, app);
  if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
  const stopped = running.writers;
  try {
    await step(reporter, "restore-stop", `Stop ${names(stopped)} for the restore`, () => stopAll(client, stopped.map((c) => c.id)));
    try {
      const interrupted = (done: string) => stopIfAborted(req.signal, `The restore was interrupted ${done}; ${names(stopped)} started again.`, "Run `fdock restore` again to restore all of the backup.");
      interrupted("before it changed anything");
      if (backup.manifest.postgres && running.postgres) {
        await step(reporter, "restore-postgres", "Restore the database (pg_restore, one transaction)", () => restoreDatabase(client, running.postgres!, backup));
        result.postgres = true;
      }
      for (const { path, entry } of backup.manifest.paths) {
        interrupted(`after ${[...(result.postgres ? ["the database"] : []), ...result.paths].join(", ") || "nothing"} was restored`);
        await step(reporter, `restore-path-${path}`, `Replace the persistent path ${path}`, () => replacePath(client, running.gunicorn!, path, backup, entry));
        result.paths.push(path);
      }
    } finally {
      const healthy = await step(reporter, "restore-start", `Start ${names(stopped)} again`, async () => {
        const ok = await startAll(client, stopped.map((c) => c.id));
        await reloadNginx(client, app);
        return ok;
      });
      result.restarted = stopped.map((c) => c.service);
      if (!healthy) reporter.emit({ kind: "info", message: `not all of ${names(stopped)} became healthy again: \`fdock ps\` and \`fdock logs\` show why` });
    }
  } finally {
    await lock.release();
  }
  result.restored = true;
  return result;
}

function names(containers: Array<{ service: string }>): string {
  return containers.length ? [...new Set(containers.map((c) => c.service))].join(", ") : "nothing";
}

function describe(backup: BackupFile): string {
  const m = backup.manifest;
  const parts = [...(m.postgres ? [`its database (postgres ${m.postgres.major})`] : []), ...m.paths.map((p) => p.path)];
  return `the backup of ${m.app} taken ${m.createdAt} (${parts.join(", ") || "nothing"})`;
}

/**
 * pg_restore into the app's database from the dump streamed to its stdin: --clean --if-exists
 * drops what the dump holds first, --no-owner makes the app's user own everything, and
 * --single-transaction makes it all or nothing (a failure leaves the database as it was).
 */
async function restoreDatabase(docker: Docker, containerId: string, backup: BackupFile): Promise<void> {
  const entry = backup.entries.get(backup.manifest.postgres!.entry)!;
  const r = await execStreamed(docker, containerId, {
    user: PG_OS_USER,
    env: [`PGOPTIONS=-c lock_timeout=${LOCK_TIMEOUT}`],
    cmd: ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", ...PG_CLIENT],
    stdin: entryStream(backup.file, entry),
  });
  if (r.exitCode !== 0) {
    throw new UserError(
      `pg_restore failed (exit ${r.exitCode}); the database is as it was before (the restore runs in one transaction).`,
      "Its output is below. A lock timeout means another connection (an `fdock run` shell?) held a table: close it and run this again.",
      r.stderr.trim(),
    );
  }
}

/**
 * Empties a persistent path and puts the backup's tar of it in its place, through a short
 * container of the app's image that mounts what the web container mounts (its volume in
 * production, the project's folder in development) and runs as root; the tar keeps the files'
 * owners and modes.
 */
async function replacePath(docker: Docker, gunicornId: string, path: string, backup: BackupFile, entryName: string): Promise<void> {
  const web = await docker.getContainer(gunicornId).inspect();
  const dir = posix.join(APP_DIR, path);
  const helper = await docker.createContainer({
    Image: web.Image,
    Entrypoint: ["sh", "-c", 'find "$1" -mindepth 1 -delete', "sh", dir],
    Cmd: [],
    User: "0:0",
    HostConfig: { VolumesFrom: [gunicornId], NetworkMode: "none" },
  });
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    if (StatusCode !== 0) throw new UserError(`Could not empty ${path} before restoring it (exit ${StatusCode}).`, "`fdock ps` shows what runs; run the restore again.");
    await helper.putArchive(entryStream(backup.file, backup.entries.get(entryName)!), { path: posix.dirname(dir) });
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
}
