/**
 * What an fdock backup says about itself (its first entry, fdock-backup.json), how a file is
 * recognised as one, and what `fdock restore` accepts: the app's name, the postgres major version,
 * the persistent paths. Reading and deciding only; nothing here touches an engine.
 */
import { z } from "zod";
import { UserError } from "../errors.js";
import { CHECKSUMS_ENTRY, entryDigest, listEntries, readEntry, ArchiveUnreadable, type ArchiveEntry } from "./backup-archive.js";

export const MANIFEST_ENTRY = "fdock-backup.json";
export const BACKUP_FORMAT = "fdock-backup";
export const BACKUP_FORMAT_VERSION = 1;
/** The default file name's extension. */
export const BACKUP_EXTENSION = ".fdock-backup";
export const POSTGRES_ENTRY = "postgres.dump";
/** A persistent path's tar, by its place in fdock.yaml's list (a path may be longer than a tar name). */
export const pathEntry = (index: number): string => `paths/${index + 1}.tar`;

/** Why Redis is not in a backup, written into every manifest and said in the README. */
export const REDIS_NOTE = "not included: Redis holds the app's queue and cache, which are rebuilt or re-enqueued; keep lasting data in Postgres";

const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int(),
  fdockVersion: z.string(),
  app: z.string(),
  createdAt: z.string(),
  /** Where it was taken: "the local engine" or "machine NAME". */
  engine: z.string(),
  postgres: z
    .object({
      /** The server's major version ("15"): a restore into an older major is refused. */
      major: z.number().int().positive(),
      serverVersion: z.string(),
      database: z.string(),
      entry: z.string(),
      format: z.literal("pg_dump custom"),
    })
    .nullable(),
  paths: z.array(z.object({ path: z.string(), entry: z.string() })),
  redis: z.string(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export interface BackupFile {
  file: string;
  manifest: BackupManifest;
  entries: Map<string, ArchiveEntry>;
  /** The bytes of the whole file. */
  size: number;
}

const notABackup = (file: string, why: string): UserError =>
  new UserError(`${file} is not an fdock backup: ${why}.`, "Pass a file written by `fdock backup` (NAME-TIME.fdock-backup); nothing was changed.");

/**
 * Opens FILE as a backup: a tar whose first entry is the manifest and whose last is the checksums,
 * with every entry the manifest names. Reads the headers and the manifest only (see verifyBackup).
 */
export async function readBackup(file: string): Promise<BackupFile> {
  let list: ArchiveEntry[];
  try {
    list = await listEntries(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${file} does not exist.`, "Pass the path of a file written by `fdock backup`.");
    if (code === "EISDIR") throw notABackup(file, "it is a folder");
    if (code === "EACCES") throw new UserError(`${file} cannot be read (permission denied).`, "Run as a user who can read it.");
    if (e instanceof ArchiveUnreadable) throw notABackup(file, e.message);
    throw e;
  }
  if (list[0]?.name !== MANIFEST_ENTRY) throw notABackup(file, `its first entry is ${list[0] ? list[0].name : "missing"}, not ${MANIFEST_ENTRY}`);
  if (list.at(-1)?.name !== CHECKSUMS_ENTRY) throw notABackup(file, `it has no ${CHECKSUMS_ENTRY} at its end (the backup did not finish)`);
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse((await readEntry(file, list[0])).toString("utf8")));
  } catch {
    throw notABackup(file, `its ${MANIFEST_ENTRY} is not a manifest fdock can read`);
  }
  if (manifest.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new UserError(
      `${file} is a backup in format ${manifest.formatVersion}, written by fdock ${manifest.fdockVersion}; this fdock reads format ${BACKUP_FORMAT_VERSION}.`,
      "Restore it with that fdock version or a newer one; nothing was changed.",
    );
  }
  const entries = new Map(list.map((e) => [e.name, e]));
  const named = [...(manifest.postgres ? [manifest.postgres.entry] : []), ...manifest.paths.map((p) => p.entry)];
  const missing = named.find((n) => !entries.has(n));
  if (missing) throw notABackup(file, `its manifest names ${missing}, which it does not hold`);
  const last = list.at(-1)!;
  return { file, manifest, entries, size: last.offset + last.size };
}

/** Reads every entry through sha256 and compares with the checksums the backup ends with. */
export async function verifyBackup(backup: BackupFile): Promise<void> {
  const sums = JSON.parse((await readEntry(backup.file, backup.entries.get(CHECKSUMS_ENTRY)!)).toString("utf8")) as Record<string, string>;
  for (const entry of backup.entries.values()) {
    if (entry.name === CHECKSUMS_ENTRY) continue;
    if (sums[entry.name] !== (await entryDigest(backup.file, entry))) {
      throw new UserError(
        `${backup.file} is damaged: its entry ${entry.name} does not match the checksum written with it.`,
        "Nothing was changed. Use another copy of the backup, or take a new one with `fdock backup`.",
      );
    }
  }
}

/** What the project has where a restore puts data: its name, its postgres server (if any), its paths. */
export interface RestoreTarget {
  app: string;
  /** The running postgres server's major version; null when the app has no postgres service. */
  postgresMajor: number | null;
  persistent: readonly string[];
  /** `--from-app NAME`: the user restores NAME's backup into this app on purpose. */
  fromApp?: string;
}

/**
 * Refuses what cannot be restored here, before anything changes; returns the notes to show.
 * A dump from an older postgres major restores into a newer one (pg_restore reads older archives,
 * and backup then restore is the way to upgrade), so it is allowed with a note; a dump from a
 * newer major is refused: an older pg_restore cannot read a newer archive, and the SQL may use
 * what the older server lacks.
 */
export function checkRestore(backup: BackupManifest, target: RestoreTarget): string[] {
  const notes: string[] = [];
  if (backup.app !== target.app && target.fromApp !== backup.app) {
    throw new UserError(
      `This backup holds the data of app ${backup.app}, not of ${target.app} (fdock.yaml's name).`,
      `To put ${backup.app}'s data into ${target.app} anyway, pass --from-app ${backup.app}. Nothing was changed.`,
    );
  }
  if (backup.postgres) {
    const dumped = backup.postgres.major;
    if (target.postgresMajor === null) {
      throw new UserError(
        `This backup holds a postgres database, and ${target.app} has no postgres service.`,
        `Add services.postgres (version: "${dumped}" or newer) to fdock.yaml and run \`fdock up\`, then restore. Nothing was changed.`,
      );
    }
    if (dumped > target.postgresMajor) {
      throw new UserError(
        `This backup's database was dumped from postgres ${dumped}; ${target.app} runs postgres ${target.postgresMajor}, an older major version that cannot read it.`,
        `Set services.postgres.version: "${dumped}" (or newer) in fdock.yaml, then \`fdock down -v\` (its data would not start on a new major) and \`fdock up\`, then restore. Nothing was changed.`,
      );
    }
    if (dumped < target.postgresMajor) notes.push(`the database was dumped from postgres ${dumped} and goes into postgres ${target.postgresMajor}: pg_restore reads the older dump (the way to move to a new major)`);
  } else if (target.postgresMajor !== null) {
    notes.push("this backup holds no database: postgres is left as it is");
  }
  const unknown = backup.paths.filter((p) => !target.persistent.includes(p.path)).map((p) => p.path);
  if (unknown.length) {
    throw new UserError(
      `This backup holds the persistent path${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}, which fdock.yaml does not list under persistent.`,
      `Add ${unknown.join(", ")} to persistent in fdock.yaml and run \`fdock up\`, then restore. Nothing was changed.`,
    );
  }
  const untouched = target.persistent.filter((p) => !backup.paths.some((b) => b.path === p));
  if (untouched.length) notes.push(`not in this backup, left as they are: ${untouched.join(", ")}`);
  return notes;
}
