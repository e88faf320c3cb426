import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { sshEngineOptions } from "../../src/core/engine/ssh-dial.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentReporter, type ProgressEvent } from "../../src/core/events.js";
import { ArchiveWriter, entryStream, listEntries, readEntry } from "../../src/core/stack/backup-archive.js";
import { MANIFEST_ENTRY, type BackupManifest } from "../../src/core/stack/backup-manifest.js";
import { restoreStack } from "../../src/core/stack/backup-restore.js";
import { backupStack } from "../../src/core/stack/backup.js";
import { downStack } from "../../src/core/stack/down.js";
import { failure } from "../helpers/failure.js";
import { copyExample } from "../helpers/project.js";
import { dialStdioServer } from "../helpers/ssh-dial-server.js";
import { throwawaySshKey } from "../helpers/ssh-key.js";
import { docker, downLocal, httpGet, upLocal } from "../helpers/engine.js";

const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));
/** A worker that waits, and exits at once on SIGTERM (as PID 1, with no handler, it would be killed only after the grace period). */
const WORKER = `python -c "__import__('signal').signal(15, lambda *a: exit(0)) or __import__('time').sleep(10**6)"`;

/**
 * `fdock backup` and `fdock restore` on the real engine with the postgres stand-in: the example
 * app (its SQLite and uploads in the persistent path `instance`) plus a postgres service that the
 * test writes rows to. Skipped where no postgres image is given (FDOCK_POSTGRES_IMAGE).
 */
describe.skipIf(!process.env.FDOCK_POSTGRES_IMAGE)("backup and restore (postgres and a persistent path)", () => {
  // A worker process too: a restore stops it with the web container and starts it again.
  // Made in beforeAll: a skipped describe still runs its body.
  let ex: ReturnType<typeof copyExample>;
  let out = "";
  let file = "";
  let uploaded = "";
  let port = 0;

  const container = async (service: string) =>
    docker("ps", "-q", "--no-trunc", "--filter", `label=com.docker.compose.project=${ex.name}`, "--filter", `label=com.docker.compose.service=${service}`);
  const sql = async (query: string) => docker("exec", "-u", "postgres", await container("postgres"), "psql", "-XAtq", "-U", "app", "-d", "app", "-c", query);
  const rows = () => sql("SELECT count(*), coalesce(sum(length(body)), 0), coalesce(max(body), '') FROM notes");
  const uploadSum = async () => (await docker("exec", await container("gunicorn"), "sha256sum", "/app/instance/uploads/photo.bin")).split(" ")[0];
  /** What a refused restore must not have touched: the rows, and the web container (same one, same start). */
  const untouched = async () => {
    const web = await container("gunicorn");
    return { rows: await rows(), web, started: await docker("inspect", "-f", "{{.State.StartedAt}}", web) };
  };

  beforeAll(async () => {
    ex = copyExample({ services: { postgres: { version: "16" } }, processes: { worker: WORKER } });
    out = mkdtempSync(join(tmpdir(), "fdock-backups-"));
    file = join(out, "blog.fdock-backup");
    port = (await upLocal(ex.dir, "production")).port;
    await sql("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL); INSERT INTO notes (body) SELECT 'note ' || g FROM generate_series(1, 2000) g;");
    // An upload the app would write: as the app's user, in the persistent path.
    const write = "import os; os.makedirs('/app/instance/uploads', exist_ok=True); open('/app/instance/uploads/photo.bin', 'wb').write(os.urandom(300000))";
    await docker("exec", await container("gunicorn"), "python", "-c", write);
    uploaded = await uploadSum();
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    ex.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it("backup → down -v → up → restore gives back the same rows and the same files", async () => {
    const before = await rows();
    expect(before).toMatch(/^2000\|/);
    expect(await uploadSum()).toBe(uploaded);

    const events: ProgressEvent[] = [];
    const taken = await backupStack({ dir: ex.dir, env: process.env, output: file, cwd: out, where: "the local engine" }, { emit: (e) => events.push(e) });
    expect(taken.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(taken.bytes).toBe(statSync(file).size);
    expect(taken.postgres!.bytes).toBeGreaterThan(0);
    expect(taken.paths.map((p) => p.path)).toEqual(["instance"]);
    expect(events.filter((e) => e.kind === "info").map((e) => (e as { message: string }).message)).toEqual([expect.stringMatching(/^database: /), expect.stringMatching(/^instance: /)]);

    await downStack(ex.dir, { volumes: true, yes: true }, silentReporter);
    port = (await upLocal(ex.dir, "production")).port;
    expect(await sql("SELECT to_regclass('notes') IS NULL")).toBe("t"); // a new, empty database
    await expect(uploadSum()).rejects.toThrow();

    const restored = await restoreStack({ dir: ex.dir, env: process.env, file, where: "the local engine", yes: true }, silentReporter);
    expect(restored).toMatchObject({ restored: true, postgres: true, paths: ["instance"] });
    expect([...restored.restarted].sort()).toEqual(["gunicorn", "worker"]);
    expect(await docker("inspect", "-f", "{{.State.Running}}", await container("worker"))).toBe("true");
    expect(await rows()).toBe(before);
    expect(await uploadSum()).toBe(uploaded);
    // The app's user still owns what it wrote, and the app serves again through nginx.
    expect(await docker("exec", await container("gunicorn"), "stat", "-c", "%U", "/app/instance/uploads/photo.bin")).toBe("app");
    expect((await httpGet(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it("without --yes and with no terminal, restore is refused and changes nothing", async () => {
    await sql("INSERT INTO notes (body) VALUES ('written after the backup')");
    const state = await untouched();
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [BIN, "-C", ex.dir, "restore", file], { env: process.env }, (e, _o, stderr) => resolve({ code: (e as { code?: number } | null)?.code ?? 0, stderr }));
      child.stdin?.end(); // stdin is a pipe, not a terminal
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`replaces the data of ${ex.name} on the local engine, so it asks first, and nobody can answer here`);
    expect(run.stderr).toContain("--yes");
    expect(await untouched()).toEqual(state);
  });

  it("a file that is not a backup, or a damaged one, is refused and changes nothing", async () => {
    const state = await untouched();
    const notes = join(out, "notes.txt");
    writeFileSync(notes, "not a backup\n".repeat(100));
    expect((await failure(restore(notes))).message).toMatch(/is not an fdock backup: it is not a tar file/);

    const damaged = join(out, "damaged.fdock-backup");
    const bytes = readFileSync(file);
    const dump = (await listEntries(file)).find((e) => e.name === "postgres.dump")!;
    bytes[dump.offset + Math.floor(dump.size / 2)]! ^= 0xff;
    writeFileSync(damaged, bytes);
    expect((await failure(restore(damaged))).message).toMatch(/is damaged: its entry postgres.dump does not match/);

    const cut = join(out, "cut.fdock-backup");
    writeFileSync(cut, readFileSync(file).subarray(0, dump.offset + 100));
    expect((await failure(restore(cut))).message).toMatch(/is not an fdock backup: .*cut short/);
    expect(await untouched()).toEqual(state);
  });

  it("a dump from a newer postgres major than the running one is refused, and another app's backup without --from-app", async () => {
    const state = await untouched();
    const server = Number((await sql("SHOW server_version_num")).slice(0, -4));
    // The running server is the stand-in's only major; a backup from the next one is what a real
    // newer postgres would write: the same file with that major in its manifest.
    const newer = join(out, "newer.fdock-backup");
    await rewriteManifest(file, newer, (m) => ({ ...m, postgres: { ...m.postgres!, major: server + 1 } }));
    const e = await failure(restore(newer));
    expect(e.message).toContain(`dumped from postgres ${server + 1}; ${ex.name} runs postgres ${server}, an older major version that cannot read it`);
    expect(e.hint).toContain(`services.postgres.version: "${server + 1}"`);

    const other = join(out, "other.fdock-backup");
    await rewriteManifest(file, other, (m) => ({ ...m, app: "some-other-app" }));
    const o = await failure(restore(other));
    expect(o.message).toContain(`holds the data of app some-other-app, not of ${ex.name}`);
    expect(o.hint).toContain("--from-app some-other-app");
    expect(await untouched()).toEqual(state);
  });

  it("a restore interrupted (Ctrl-C) stops after the step in flight and starts the app's containers again", async () => {
    const before = await rows();
    const ctrlC = new AbortController();
    ctrlC.abort(); // the first Ctrl-C came while the containers were being stopped
    const e = await failure(restoreStack({ dir: ex.dir, env: process.env, file, where: "the local engine", yes: true, signal: ctrlC.signal }, silentReporter));
    expect(e.exitCode).toBe(130);
    expect(e.message).toMatch(/interrupted before it changed anything; (worker, gunicorn|gunicorn, worker) started again/);
    expect(await rows()).toBe(before);
    for (const service of ["gunicorn", "worker"]) expect(await docker("inspect", "-f", "{{.State.Running}}", await container(service))).toBe("true");
    expect((await httpGet(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it("over SSH (dockerode through `docker system dial-stdio`, as --remote): the dump streams out and back in", async () => {
    const ssh = await dialStdioServer();
    try {
      const remote = new Docker(sshEngineOptions({ host: "127.0.0.1", port: ssh.port, username: "fdock", privateKey: throwawaySshKey(), readyTimeout: 10_000 }));
      const viaSsh = join(out, "ssh.fdock-backup");
      const taken = await backupStack({ dir: ex.dir, env: process.env, output: viaSsh, cwd: out, where: "machine test" }, silentReporter, remote);
      expect(taken.postgres!.bytes).toBeGreaterThan(0);
      const before = await rows();
      await sql("DELETE FROM notes WHERE id % 2 = 0");
      await docker("exec", await container("gunicorn"), "rm", "/app/instance/uploads/photo.bin");
      const restored = await restoreStack({ dir: ex.dir, env: process.env, file: viaSsh, where: "machine test", yes: true }, silentReporter, remote);
      expect(restored.restored).toBe(true);
      expect(await rows()).toBe(before);
      expect(await uploadSum()).toBe(uploaded);
    } finally {
      ssh.server.close();
    }
  });

  const restore = (path: string) => restoreStack({ dir: ex.dir, env: process.env, file: path, where: "the local engine", yes: true }, silentReporter);
});

/** A copy of a backup with its manifest edited (every other entry as it was, checksums recomputed). */
async function rewriteManifest(src: string, dst: string, edit: (m: BackupManifest) => BackupManifest): Promise<void> {
  const entries = await listEntries(src);
  const w = await ArchiveWriter.create(dst);
  for (const entry of entries) {
    if (entry.name === "sha256.json") continue;
    if (entry.name === MANIFEST_ENTRY) {
      const m = JSON.parse((await readEntry(src, entry)).toString("utf8")) as BackupManifest;
      await w.addBuffer(MANIFEST_ENTRY, Buffer.from(JSON.stringify(edit(m))));
    } else {
      await w.addStream(entry.name, (sink) => pipeline(entryStream(src, entry), sink, { end: false }));
    }
  }
  await w.finish();
}

