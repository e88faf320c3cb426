import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArchiveWriter, entryStream, listEntries, parseTarHeader, tarHeader } from "../../src/core/stack/backup-archive.js";
import { checkRestore, MANIFEST_ENTRY, readBackup, REDIS_NOTE, verifyBackup, type BackupManifest } from "../../src/core/stack/backup-manifest.js";
import { backupStack, defaultBackupName } from "../../src/core/stack/backup.js";
import { silentReporter } from "../../src/core/events.js";
import { copyExample } from "../helpers/project.js";
import { UserError } from "../../src/core/errors.js";

/** The backup file: a tar of streamed entries (written without knowing their size first), its manifest, its checks. */
const temps: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "fdock-backup-"));
  temps.push(d);
  return d;
};
let umask = 0;
beforeEach(() => { umask = process.umask(0); });
afterEach(() => {
  process.umask(umask);
  temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const manifest = (over: Partial<BackupManifest> = {}): BackupManifest => ({
  format: "fdock-backup",
  formatVersion: 1,
  fdockVersion: "0.1.0",
  app: "blog",
  createdAt: "2025-01-02T03:04:05.000Z",
  engine: "the local engine",
  postgres: { major: 15, serverVersion: "15.10", database: "app", entry: "postgres.dump", format: "pg_dump custom" },
  paths: [{ path: "instance", entry: "paths/1.tar" }],
  redis: REDIS_NOTE,
  ...over,
});

/** A backup file as `fdock backup` writes it, with a dump of `dumpBytes` streamed in chunks. */
async function writeBackup(file: string, m: BackupManifest, dumpBytes: Buffer, pathTar = Buffer.from("tar bytes")): Promise<number> {
  const w = await ArchiveWriter.create(file);
  await w.addBuffer(MANIFEST_ENTRY, Buffer.from(JSON.stringify(m)));
  await w.addStream("postgres.dump", async (sink) => {
    const chunks = Array.from({ length: Math.ceil(dumpBytes.length / 1000) }, (_, i) => dumpBytes.subarray(i * 1000, (i + 1) * 1000));
    await pipeline(Readable.from(chunks), sink, { end: false });
  });
  await w.addBuffer("paths/1.tar", pathTar);
  return w.finish();
}

const read = async (s: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe("backup file", () => {
  it("round trip: streamed entries read back byte for byte; 0600 whatever the umask; no partial file left", async () => {
    const dir = temp();
    const file = join(dir, "blog.fdock-backup");
    const dump = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const size = await writeBackup(file, manifest(), dump);
    expect(statSync(file).size).toBe(size);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["blog.fdock-backup"]);
    const backup = await readBackup(file);
    expect(backup.manifest.app).toBe("blog");
    expect([...backup.entries.keys()]).toEqual([MANIFEST_ENTRY, "postgres.dump", "paths/1.tar", "sha256.json"]);
    expect(await read(entryStream(file, backup.entries.get("postgres.dump")!))).toEqual(dump);
    expect((await read(entryStream(file, backup.entries.get("paths/1.tar")!))).toString()).toBe("tar bytes");
    await expect(verifyBackup(backup)).resolves.toBeUndefined();
  });

  it("is a tar that GNU tar lists and extracts", async () => {
    const dir = temp();
    const file = join(dir, "b.fdock-backup");
    await writeBackup(file, manifest(), Buffer.from("dump"));
    expect(execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n")).toEqual([MANIFEST_ENTRY, "postgres.dump", "paths/1.tar", "sha256.json"]);
    execFileSync("tar", ["-xf", file, "-C", dir]);
    expect(readFileSync(join(dir, "postgres.dump"), "utf8")).toBe("dump");
  });

  it("sizes of 8 GiB and more use base-256 headers that read back", () => {
    for (const size of [0, 511, 512, 8 ** 11 - 1, 8 ** 11, 20 * 2 ** 30]) expect(parseTarHeader(tarHeader("x", size, new Date()))!.size).toBe(size);
  });

  it("never writes over an existing file", async () => {
    const dir = temp();
    const file = join(dir, "b.fdock-backup");
    writeFileSync(file, "precious");
    await expect(ArchiveWriter.create(file)).rejects.toThrow(/exists/);
    expect(readFileSync(file, "utf8")).toBe("precious");
  });

  it("an aborted backup leaves no file", async () => {
    const dir = temp();
    const w = await ArchiveWriter.create(join(dir, "b.fdock-backup"));
    await w.addBuffer(MANIFEST_ENTRY, Buffer.from("{}"));
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses what is not a backup: another file, another tar, a cut-short file, a damaged entry", async () => {
    const dir = temp();
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello ".repeat(200));
    await expect(readBackup(text)).rejects.toThrow(/is not an fdock backup: it is not a tar file/);
    await expect(readBackup(join(dir, "missing"))).rejects.toThrow(/does not exist/);

    const tar = join(dir, "other.tar");
    writeFileSync(join(dir, "a.txt"), "a");
    execFileSync("tar", ["-cf", tar, "-C", dir, "a.txt"]);
    await expect(readBackup(tar)).rejects.toThrow(/first entry is a.txt, not fdock-backup.json/);

    const cut = join(dir, "cut.fdock-backup");
    await writeBackup(cut, manifest(), Buffer.alloc(4000, 7));
    truncateSync(cut, 2048);
    await expect(readBackup(cut)).rejects.toThrow(/cut short/);

    const damaged = join(dir, "damaged.fdock-backup");
    await writeBackup(damaged, manifest(), Buffer.alloc(4000, 7));
    const bytes = readFileSync(damaged);
    const at = (await listEntries(damaged)).find((e) => e.name === "postgres.dump")!.offset + 100;
    bytes[at] = 8;
    writeFileSync(damaged, bytes);
    const backup = await readBackup(damaged);
    await expect(verifyBackup(backup)).rejects.toThrow(/damaged: its entry postgres.dump does not match/);

    const badManifest = join(dir, "bad-manifest.fdock-backup");
    const w = await ArchiveWriter.create(badManifest);
    await w.addBuffer(MANIFEST_ENTRY, Buffer.from('{"format": "something else"}'));
    await w.finish();
    await expect(readBackup(badManifest)).rejects.toThrow(/manifest fdock can read/);
  });

  it("an app with nothing to back up says so and writes no file (without asking any engine)", async () => {
    const ex = copyExample({ persistent: [] });
    try {
      const cwd = temp();
      // DOCKER_HOST pointing nowhere: the answer comes before any engine is asked.
      const r = await backupStack({ dir: ex.dir, env: { ...process.env, DOCKER_HOST: "unix:///nonexistent.sock" }, cwd, where: "the local engine" }, silentReporter);
      expect(r).toMatchObject({ file: null, bytes: 0, postgres: null, paths: [] });
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      ex.cleanup();
    }
  });

  it("default name: app and UTC time, no colons", () => {
    expect(defaultBackupName("blog", new Date("2025-01-02T03:04:05.678Z"))).toBe("blog-20250102T030405Z.fdock-backup");
  });
});

describe("what restore accepts", () => {
  const target = { app: "blog", postgresMajor: 15, persistent: ["instance"] };
  const refused = (f: () => unknown): UserError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return e as UserError;
    }
    throw new Error("not refused");
  };

  it("the same app and major: no notes", () => {
    expect(checkRestore(manifest(), target)).toEqual([]);
  });

  it("another app's backup only with --from-app naming it", () => {
    const e = refused(() => checkRestore(manifest({ app: "shop" }), target));
    expect(e.message).toMatch(/holds the data of app shop, not of blog/);
    expect(e.hint).toMatch(/--from-app shop/);
    expect(checkRestore(manifest({ app: "shop" }), { ...target, fromApp: "shop" })).toEqual([]);
    expect(() => checkRestore(manifest({ app: "shop" }), { ...target, fromApp: "other" })).toThrow(UserError);
  });

  it("a dump from a newer major is refused; from an older one allowed with a note", () => {
    const newer = manifest({ postgres: { ...manifest().postgres!, major: 17 } });
    const e = refused(() => checkRestore(newer, target));
    expect(e.message).toMatch(/dumped from postgres 17; blog runs postgres 15/);
    expect(e.hint).toMatch(/services.postgres.version: "17"/);
    const older = manifest({ postgres: { ...manifest().postgres!, major: 13 } });
    expect(checkRestore(older, target)).toEqual([expect.stringMatching(/dumped from postgres 13 and goes into postgres 15/)]);
  });

  it("a database into an app without postgres, or a path fdock.yaml does not list, is refused", () => {
    expect(refused(() => checkRestore(manifest(), { ...target, postgresMajor: null })).message).toMatch(/has no postgres service/);
    expect(refused(() => checkRestore(manifest(), { ...target, persistent: [] })).message).toMatch(/persistent path instance, which fdock.yaml does not list/);
  });

  it("what the backup does not hold is left as it is, and said", () => {
    expect(checkRestore(manifest({ postgres: null, paths: [] }), target)).toEqual(["this backup holds no database: postgres is left as it is", "not in this backup, left as they are: instance"]);
  });
});
