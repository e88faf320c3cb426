/**
 * The container of an fdock backup file: a plain tar (POSIX ustar, readable by `tar -tvf`) of named
 * entries. Entries are streamed in: each header is written with size 0 first and rewritten with the
 * real size once the entry's data is in, so a dump never goes through a temporary file. The last
 * entry, sha256.json, holds a checksum of every entry before it: a file without it is incomplete,
 * and a reader checks every entry against it before anything is restored.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

const BLOCK = 512;
/** The last entry: the checksum of each entry before it. */
export const CHECKSUMS_ENTRY = "sha256.json";

/** A ustar header for one regular file; sizes of 8 GiB and more in GNU's base-256 form. */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  h.write(name, 0, 100, "utf8");
  h.write("0000600\0", 100, 8, "ascii");
  h.write("0000000\0", 108, 8, "ascii");
  h.write("0000000\0", 116, 8, "ascii");
  if (size < 8 ** 11) {
    h.write(size.toString(8).padStart(11, "0") + "\0", 124, 12, "ascii");
  } else {
    h[124] = 0x80;
    let n = BigInt(size);
    for (let i = 135; i > 124; i--, n >>= 8n) h[i] = Number(n & 0xffn);
  }
  h.write(Math.floor(mtime.getTime() / 1000).toString(8).padStart(11, "0") + "\0", 136, 12, "ascii");
  h.write("0", 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(checksum(h).toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces. */
function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

/** One entry of a tar header: its name and size, or null for the end-of-archive block. */
export function parseTarHeader(h: Buffer): { name: string; size: number } | null {
  if (h.every((b) => b === 0)) return null;
  const stored = Number.parseInt(h.subarray(148, 156).toString("ascii").replace(/\0.*$/s, "").trim(), 8);
  if (stored !== checksum(h)) throw new Error("tar header checksum mismatch");
  const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
  let size: number;
  if (h[124]! & 0x80) {
    let n = 0n;
    for (let i = 125; i < 136; i++) n = (n << 8n) | BigInt(h[i]!);
    size = Number(n);
  } else {
    size = Number.parseInt(h.subarray(124, 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new Error("tar header size is not a number");
  return { name, size };
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/**
 * Writes a backup file: entries one after another into FILE.partial (mode 0600, created new),
 * renamed to FILE by finish(), so an interrupted backup never leaves a file that looks whole.
 */
export class ArchiveWriter {
  private readonly sums: Record<string, string> = {};
  private position = 0;

  private constructor(private readonly handle: FileHandle, readonly file: string, private readonly partial: string) {}

  /** Refuses to replace an existing file: a backup is never written over another one. */
  static async create(file: string): Promise<ArchiveWriter> {
    if (await stat(file).then(() => true, () => false)) throw new ArchiveExists(file);
    const partial = `${file}.partial`;
    const handle = await open(partial, "wx", 0o600);
    return new ArchiveWriter(handle, file, partial);
  }

  /** The bytes written so far. */
  get size(): number {
    return this.position;
  }

  async addBuffer(name: string, data: Buffer): Promise<number> {
    return this.addStream(name, async (sink) => {
      await new Promise<void>((resolve, reject) => sink.write(data, (e) => (e ? reject(e) : resolve())));
    });
  }

  /**
   * One entry whose data `produce` writes to the sink it is given (with backpressure), straight
   * into the file. Returns the entry's size.
   */
  async addStream(name: string, produce: (sink: Writable) => Promise<void>): Promise<number> {
    const headerAt = this.position;
    const now = new Date();
    await this.write(tarHeader(name, 0, now), headerAt);
    const dataAt = headerAt + BLOCK;
    const hash = createHash("sha256");
    let size = 0;
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        hash.update(chunk);
        this.write(chunk, dataAt + size).then(() => done(), done);
        size += chunk.length;
      },
    });
    await produce(sink);
    await new Promise<void>((resolve, reject) => {
      sink.once("error", reject);
      sink.end(() => resolve());
    });
    await this.write(Buffer.alloc(padding(size)), dataAt + size);
    await this.write(tarHeader(name, size, now), headerAt);
    this.position = dataAt + size + padding(size);
    this.sums[name] = hash.digest("hex");
    return size;
  }

  /** The checksums entry and the end of the archive, then FILE.partial becomes FILE. */
  async finish(): Promise<number> {
    await this.addBuffer(CHECKSUMS_ENTRY, Buffer.from(JSON.stringify(this.sums, null, 2) + "\n"));
    await this.write(Buffer.alloc(2 * BLOCK), this.position);
    this.position += 2 * BLOCK;
    await this.handle.sync();
    await this.handle.close();
    await rename(this.partial, this.file);
    return this.position;
  }

  /** After a failure: the partial file goes. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.partial, { force: true });
  }

  private async write(data: Buffer, at: number): Promise<void> {
    for (let done = 0; done < data.length; ) done += (await this.handle.write(data, done, data.length - done, at + done)).bytesWritten;
  }
}

export class ArchiveExists extends Error {
  constructor(readonly file: string) {
    super(`${file} exists`);
  }
}

/** Why a file cannot be read as a backup: not a tar of entries, or cut short. */
export class ArchiveUnreadable extends Error {}

export interface ArchiveEntry {
  name: string;
  size: number;
  /** Where its data starts in the file. */
  offset: number;
}

/** The entries of an archive file, read from their headers only (nothing else is read). */
export async function listEntries(file: string): Promise<ArchiveEntry[]> {
  const { size: fileSize } = await stat(file);
  const handle = await open(file, "r");
  try {
    const entries: ArchiveEntry[] = [];
    const header = Buffer.alloc(BLOCK);
    for (let at = 0; ; ) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, at);
      if (bytesRead < BLOCK) throw new ArchiveUnreadable(at === 0 ? "it is not a tar file (too short)" : "it ends before its last entry (cut short)");
      let parsed: ReturnType<typeof parseTarHeader>;
      try {
        parsed = parseTarHeader(header);
      } catch (e) {
        throw new ArchiveUnreadable(at === 0 ? "it is not a tar file" : `${(e as Error).message} at byte ${at}`);
      }
      if (!parsed) return entries;
      const offset = at + BLOCK;
      if (offset + parsed.size > fileSize) throw new ArchiveUnreadable(`its entry ${parsed.name} ends after the end of the file (cut short)`);
      entries.push({ name: parsed.name, size: parsed.size, offset });
      at = offset + parsed.size + padding(parsed.size);
    }
  } finally {
    await handle.close();
  }
}

/** An entry's data as a stream. */
export function entryStream(file: string, entry: ArchiveEntry): Readable {
  // createReadStream's end is inclusive; an empty entry reads nothing.
  return createReadStream(file, entry.size ? { start: entry.offset, end: entry.offset + entry.size - 1 } : { start: 0, end: -1 });
}

/** A small entry (the manifest, the checksums) read whole. */
export async function readEntry(file: string, entry: ArchiveEntry, limit = 1 << 20): Promise<Buffer> {
  if (entry.size > limit) throw new ArchiveUnreadable(`its entry ${entry.name} is ${entry.size} bytes, more than such an entry holds`);
  const chunks: Buffer[] = [];
  for await (const c of entryStream(file, entry)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The sha256 of an entry's data. */
export async function entryDigest(file: string, entry: ArchiveEntry): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(entryStream(file, entry), hash);
  return hash.digest("hex");
}
