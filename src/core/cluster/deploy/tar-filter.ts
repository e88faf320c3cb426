/**
 * A tar stream with some entries left out and everything else passed on byte for byte: what lets
 * fdock send a node an image archive (`docker save`) without the layers the node already has,
 * on the fly, without a temporary copy of the archive.
 *
 * It reads 512-byte headers (ustar, GNU and PAX): a header's checksum is checked, its size read
 * (octal, or GNU base-256), its data and padding to the next 512 bytes follow. Extended headers
 * (PAX 'x', GNU 'L'/'K' long names) belong to the entry after them: they are held until that
 * entry's header decides whether both are passed or both left out. What follows the end of the
 * archive (its zero blocks) is passed unchanged. Anything else unexpected (a bad checksum, a
 * sparse file, an archive that ends inside an entry) is an error: the caller then sends the
 * whole archive instead.
 */
import { Transform, type TransformCallback } from "node:stream";

const BLOCK = 512;
/** Extended headers and captured entries are read into memory: they are small, or not what we expect. */
const SMALL = 1 << 20;
/** Entry types with no data whatever their size field says (what Go's archive/tar, which reads the archive in dockerd, does). */
const HEADER_ONLY = new Set(["1", "2", "3", "4", "5", "6"]);

/** One entry of the archive: its full name, its data's size and its type flag ("0" a file). */
export interface TarEntry {
  name: string;
  size: number;
  type: string;
}

export interface TarFilterOptions {
  /** True for the entries to leave out (with their extended headers). */
  drop: (entry: TarEntry) => boolean;
  /** Names of small entries to keep a copy of as they pass (e.g. manifest.json). */
  capture?: string[];
}

type State =
  | { kind: "header" }
  | { kind: "extension"; header: Buffer; type: string; size: number }
  | { kind: "data"; left: number; size: number; keep: boolean; captured?: Buffer[]; name: string }
  | { kind: "end" };

export class TarFilter extends Transform {
  /** The entries left out, in archive order. */
  readonly dropped: TarEntry[] = [];
  /** Copies of the entries named in `capture` that passed. */
  readonly captured = new Map<string, Buffer>();
  /** Bytes passed on. */
  bytesOut = 0;
  private readonly opts: TarFilterOptions;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private offset = 0;
  private state: State = { kind: "header" };
  /** Extended headers (header + data) waiting for the entry they describe. */
  private pending: Buffer[] = [];
  private pendingPath: string | undefined;
  private pendingSize: number | undefined;

  constructor(opts: TarFilterOptions) {
    super();
    this.opts = opts;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      this.parse();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    const s = this.state;
    if (s.kind === "end" || (s.kind === "header" && this.buffered === 0 && this.pending.length === 0)) done();
    else done(new Error(`the image archive ended inside an entry (at byte ${this.offset + this.buffered})`));
  }

  private out(b: Buffer): void {
    this.bytesOut += b.length;
    this.push(b);
  }

  /** Exactly n bytes from the front of what is buffered (n is at most what is buffered). */
  private takeBytes(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const first = this.chunks[0]!;
      if (first.length <= need) {
        parts.push(first);
        this.chunks.shift();
        need -= first.length;
      } else {
        parts.push(first.subarray(0, need));
        this.chunks[0] = first.subarray(need);
        need = 0;
      }
    }
    this.buffered -= n;
    this.offset += n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Up to n bytes, without copying: a piece of the first buffered chunk. */
  private takeSome(n: number): Buffer {
    const first = this.chunks[0]!;
    return this.takeBytes(Math.min(n, first.length));
  }

  private parse(): void {
    for (;;) {
      const s = this.state;
      if (s.kind === "end") {
        while (this.chunks.length) this.out(this.takeBytes(this.chunks[0]!.length));
        return;
      }
      if (s.kind === "data") {
        if (s.left === 0) {
          if (s.captured) this.captured.set(s.name, Buffer.concat(s.captured).subarray(0, s.size));
          this.state = { kind: "header" };
          continue;
        }
        if (this.buffered === 0) return;
        const piece = this.takeSome(s.left);
        s.left -= piece.length;
        if (s.keep) this.out(piece);
        s.captured?.push(piece);
        continue;
      }
      if (s.kind === "extension") {
        const padded = padTo(s.size);
        if (this.buffered < padded) return;
        const data = this.takeBytes(padded);
        this.pending.push(s.header, data);
        const body = data.subarray(0, s.size);
        if (s.type === "x") {
          const records = paxRecords(body);
          if (records.path !== undefined) this.pendingPath = records.path;
          if (records.size !== undefined) this.pendingSize = records.size;
        } else if (s.type === "L") {
          this.pendingPath = cString(body);
        }
        this.state = { kind: "header" };
        continue;
      }
      if (this.buffered < BLOCK) return;
      const at = this.offset;
      const header = this.takeBytes(BLOCK);
      if (header.every((b) => b === 0)) {
        if (this.pending.length) throw new Error(`extended header with no entry after it (at byte ${at})`);
        this.out(header);
        this.state = { kind: "end" };
        continue;
      }
      checkChecksum(header, at);
      const type = String.fromCharCode(header[156]!) || "0";
      const size = readSize(header, at);
      if (type === "x" || type === "L" || type === "K") {
        if (size > SMALL) throw new Error(`extended header of ${size} bytes (at byte ${at})`);
        this.state = { kind: "extension", header, type, size };
        continue;
      }
      if (type === "g") {
        this.out(header);
        this.state = { kind: "data", left: padTo(size), size, keep: true, name: "" };
        continue;
      }
      if (type === "S") throw new Error(`sparse file entry (at byte ${at})`);
      const entry: TarEntry = { name: this.pendingPath ?? headerName(header), size: HEADER_ONLY.has(type) ? 0 : (this.pendingSize ?? size), type: type === "\0" ? "0" : type };
      const keep = !this.opts.drop(entry);
      if (keep) {
        for (const b of this.pending) this.out(b);
        this.out(header);
      } else {
        this.dropped.push(entry);
      }
      const captured = keep && entry.size <= SMALL && this.opts.capture?.includes(entry.name) ? [] : undefined;
      this.pending = [];
      this.pendingPath = undefined;
      this.pendingSize = undefined;
      this.state = { kind: "data", left: padTo(entry.size), size: entry.size, keep, captured, name: entry.name };
    }
  }
}

function padTo(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** A NUL-terminated string field. */
function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString("utf8");
}

/** An octal number field (NUL or space terminated). */
function octal(field: Buffer): number {
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) return NaN;
  return text ? parseInt(text, 8) : 0;
}

function checkChecksum(header: Buffer, at: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  if (octal(header.subarray(148, 156)) !== sum) throw new Error(`not a tar header (bad checksum at byte ${at})`);
}

/** The size field: octal, or GNU base-256 when its first byte has the high bit set. */
function readSize(header: Buffer, at: number): number {
  const field = header.subarray(124, 136);
  if (field[0]! & 0x80) {
    let n = BigInt(field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) n = (n << 8n) | BigInt(field[i]!);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`entry too large (at byte ${at})`);
    return Number(n);
  }
  const size = octal(field);
  if (Number.isNaN(size)) throw new Error(`bad size field (at byte ${at})`);
  return size;
}

/** The entry's name: ustar's prefix + name (the prefix only in the POSIX "ustar\0" format; GNU keeps other fields there). */
function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const posix = header.subarray(257, 263).toString("latin1") === "ustar\0";
  const prefix = posix ? cString(header.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

/** The PAX records fdock needs from an 'x' header ("LEN key=value\n" each): path and size. */
export function paxRecords(body: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(body.subarray(pos, space).toString("latin1"), 10);
    if (!(len > 0) || pos + len > body.length) throw new Error("bad PAX record");
    const record = body.subarray(space + 1, pos + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === "path") out.path = value;
    if (key === "size") {
      if (!/^\d+$/.test(value)) throw new Error("bad PAX size");
      out.size = Number(value);
    }
    pos += len;
  }
  return out;
}
