/**
 * `fdock backup`: one local file with the app's data, taken from its running containers: the
 * postgres database as `pg_dump --format=custom` (one consistent snapshot, streamed from the
 * postgres container into the file), each persistent path as the tar the engine gives of it, and
 * a manifest. Redis is left out (REDIS_NOTE). See backup-archive.ts for the file itself.
 */
import type Docker from "dockerode";
import { posix, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { connectEngine } from "../engine/engine.js";
import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { loadProject } from "../project/config-file.js";
import { APP_DIR, SERVICE_USER } from "../render/layout.js";
import { readAsset } from "../render/templates.js";
import { ArchiveExists, ArchiveWriter } from "./backup-archive.js";
import { appContainers, notRunning, PG_CLIENT, PG_OS_USER, postgresVersion } from "./backup-containers.js";
import { execStreamed } from "./backup-exec.js";
import { BACKUP_EXTENSION, BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MANIFEST_ENTRY, pathEntry, POSTGRES_ENTRY, REDIS_NOTE, type BackupManifest } from "./backup-manifest.js";

export interface BackupRequest {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** -o FILE; default NAME-TIME.fdock-backup in cwd. */
  output?: string;
  cwd: string;
  /** The engine, as messages name it: "the local engine", "machine web". */
  where: string;
}

export interface BackupResult {
  app: string;
  /** null: the app holds no data fdock backs up, and no file was written. */
  file: string | null;
  bytes: number;
  postgres: { major: number; bytes: number } | null;
  paths: Array<{ path: string; bytes: number }>;
  /** Paths declared in fdock.yaml that did not exist yet (nothing to copy). */
  absent: string[];
  redis: string | null;
}

/** NAME-20250102T030405Z.fdock-backup: sorts by time, and has no ':' (Windows, scp). */
export function defaultBackupName(app: string, now: Date): string {
  return `${app}-${now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "")}${BACKUP_EXTENSION}`;
}

/** fdock's own version (package.json), recorded in every backup. */
export function fdockVersion(): string {
  return (JSON.parse(readAsset("package.json")) as { version: string }).version;
}

export async function backupStack(req: BackupRequest, reporter: Reporter, docker?: Docker): Promise<BackupResult> {
  const project = loadProject(req.dir, req.env);
  const { name: app, persistent, services, processes } = project.config;
  const result: BackupResult = { app, file: null, bytes: 0, postgres: null, paths: [], absent: [], redis: services.redis ? REDIS_NOTE : null };
  if (!services.postgres && !persistent.length) return result;

  const client = docker ?? (await connectEngine(req.env));
  const running = await appContainers(client, app, Object.keys(processes));
  if (services.postgres && !running.postgres) throw notRunning(app, "The postgres service", req.where);
  if (persistent.length && !running.gunicorn) throw notRunning(app, "The web container (gunicorn)", req.where);
  const server = running.postgres ? await postgresVersion(client, running.postgres) : null;
  const now = new Date();
  const file = resolve(req.cwd, req.output ?? defaultBackupName(app, now));

  // Paths that do not exist (in development, a folder the app has not made yet) hold nothing.
  const present: string[] = [];
  for (const path of persistent) {
    // dockerode answers a HEAD with the response itself: left open, it would keep this process alive.
    const found = await client.getContainer(running.gunicorn!).infoArchive({ path: posix.join(APP_DIR, path) })
      .then((res) => ((res as unknown as { destroy?: () => void }).destroy?.(), true), () => false);
    (found ? present : result.absent).push(path);
  }
  if (!server && !present.length) return result;

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    fdockVersion: fdockVersion(),
    app,
    createdAt: now.toISOString(),
    engine: req.where,
    postgres: server ? { major: server.major, serverVersion: server.version, database: SERVICE_USER, entry: POSTGRES_ENTRY, format: "pg_dump custom" } : null,
    paths: present.map((path) => ({ path, entry: pathEntry(persistent.indexOf(path)) })),
    redis: REDIS_NOTE,
  };

  let writer: ArchiveWriter;
  try {
    writer = await ArchiveWriter.create(file);
  } catch (e) {
    if (e instanceof ArchiveExists) throw new UserError(`${file} exists; a backup is never written over another file.`, "Pass another file with -o FILE, or move that one away.");
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`Cannot write ${file}.partial (${code ?? (e as Error).message}).`, "Pass a file in a folder you can write to with -o FILE.");
  }
  try {
    await writer.addBuffer(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));
    if (server) {
      const bytes = await step(reporter, "backup-postgres", `Dump the database (pg_dump, postgres ${server.version})`, () =>
        writer.addStream(POSTGRES_ENTRY, async (sink) => {
          const r = await execStreamed(client, running.postgres!, { user: PG_OS_USER, cmd: ["pg_dump", "--format=custom", ...PG_CLIENT], stdout: sink });
          if (r.exitCode !== 0) throw new UserError(`pg_dump failed (exit ${r.exitCode}); no backup was written.`, "Its output is below; `fdock logs postgres` shows the server's side.", r.stderr.trim());
        }),
      );
      result.postgres = { major: server.major, bytes };
      reporter.emit({ kind: "info", message: `database: ${formatBytes(bytes)}` });
    }
    for (const { path, entry } of manifest.paths) {
      const bytes = await step(reporter, `backup-path-${path}`, `Copy the persistent path ${path}`, () =>
        writer.addStream(entry, async (sink) => {
          const tar = await client.getContainer(running.gunicorn!).getArchive({ path: posix.join(APP_DIR, path) });
          await pipeline(tar, sink, { end: false });
        }),
      );
      result.paths.push({ path, bytes });
      reporter.emit({ kind: "info", message: `${path}: ${formatBytes(bytes)}` });
    }
    result.bytes = await writer.finish();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  result.file = file;
  return result;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
