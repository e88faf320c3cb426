import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { paxRecords, TarFilter, type TarFilterOptions } from "../../src/core/cluster/deploy/tar-filter.js";

/**
 * The tar filter on real archives made by GNU tar (ustar, GNU and PAX formats) and on headers made
 * by hand where tar will not write them (a PAX size record, a base-256 size), fed in chunks of
 * every size: what it passes is the input's own bytes, minus the entries (and their extended
 * headers) it was asked to leave out.
 */
const root = mkdtempSync(join(tmpdir(), "fdock-tar-filter-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LONG = `${"deep-folder-name/".repeat(5)}${"x".repeat(40)}.bin`;
const src = join(root, "src");
mkdirSync(join(src, "blobs/sha256"), { recursive: true });
mkdirSync(join(src, LONG.slice(0, LONG.lastIndexOf("/"))), { recursive: true });
const files: Record<string, Buffer> = {
  "blobs/sha256/aaaa": Buffer.alloc(3000, 1),
  "blobs/sha256/bbbb": Buffer.alloc(512, 2),
  "blobs/sha256/cccc": Buffer.from("not padded to a block"),
  "manifest.json": Buffer.from('[{"Layers":["blobs/sha256/aaaa"]}]'),
  [LONG]: Buffer.alloc(700, 3),
  empty: Buffer.alloc(0),
};
for (const [name, data] of Object.entries(files)) writeFileSync(join(src, name), data);
const names = Object.keys(files).sort();

function makeTar(format: "gnu" | "pax" | "ustar", only = names): Buffer {
  const file = join(root, `${format}-${only.length}.tar`);
  // No atime in PAX headers: reading the files changes it, and two archives of them must be alike.
  const pax = format === "pax" ? ["--pax-option=delete=atime"] : [];
  execFileSync("tar", ["-C", src, `--format=${format}`, ...pax, "--owner=0", "--group=0", "--mtime=2020-01-01", "-cf", file, ...only]);
  return readFileSync(file);
}

async function filter(input: Buffer, opts: TarFilterOptions, chunk = 65536): Promise<{ out: Buffer; f: TarFilter }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) pieces.push(input.subarray(i, i + chunk));
  const f = new TarFilter(opts);
  const parts: Buffer[] = [];
  f.on("data", (b: Buffer) => parts.push(b));
  await new Promise<void>((resolve, reject) => {
    f.on("end", resolve);
    f.on("error", reject);
    Readable.from(pieces).on("error", reject).pipe(f);
  });
  return { out: Buffer.concat(parts), f };
}

function list(archive: Buffer): string[] {
  const file = join(root, "listed.tar");
  writeFileSync(file, archive);
  return execFileSync("tar", ["-tf", file], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
}

function extract(archive: Buffer, name: string): Buffer {
  const file = join(root, "extracted.tar");
  writeFileSync(file, archive);
  return execFileSync("tar", ["-xOf", file, name]);
}

describe("the tar filter", () => {
  for (const format of ["gnu", "pax", "ustar"] as const) {
    it(`passes a ${format} archive byte for byte when it leaves nothing out, in chunks of any size`, async () => {
      const input = makeTar(format, format === "ustar" ? names.filter((n) => n !== LONG) : names);
      for (const chunk of [1, 7, 511, 512, 513, 4096, 1 << 20]) {
        const { out, f } = await filter(input, { drop: () => false }, chunk);
        expect(out.equals(input), `chunk ${chunk}`).toBe(true);
        expect(f.bytesOut).toBe(input.length);
        expect(f.dropped).toEqual([]);
      }
    });
  }

  for (const format of ["gnu", "pax"] as const) {
    it(`leaves out a ${format} entry with a long name together with its extended header, and only that`, async () => {
      const input = makeTar(format);
      expect(input.includes(format === "pax" ? "PaxHeaders" : "././@LongLink")).toBe(true);
      const { out, f } = await filter(input, { drop: (e) => e.name === LONG || e.name === "blobs/sha256/aaaa" }, 333);
      expect(f.dropped.map((e) => [e.name, e.size])).toEqual([
        ["blobs/sha256/aaaa", 3000],
        [LONG, 700],
      ].sort((a, b) => names.indexOf(a[0] as string) - names.indexOf(b[0] as string)));
      expect(list(out)).toEqual(list(input).filter((n) => n !== LONG && n !== "blobs/sha256/aaaa"));
      for (const n of ["blobs/sha256/bbbb", "blobs/sha256/cccc", "manifest.json"]) expect(extract(out, n).equals(files[n]!), n).toBe(true);
      // What is left is the archive of the other entries as this tar writes it: the same bytes.
      const rest = makeTar(format, names.filter((n) => n !== LONG && n !== "blobs/sha256/aaaa"));
      expect(out.subarray(0, rest.length - 1024).equals(rest.subarray(0, rest.length - 1024))).toBe(true);
      expect(f.bytesOut).toBe(out.length);
    });
  }

  it("keeps a copy of the entries it is asked to capture", async () => {
    const { f } = await filter(makeTar("pax"), { drop: () => false, capture: ["manifest.json"] }, 100);
    expect(f.captured.get("manifest.json")?.toString()).toBe(files["manifest.json"]!.toString());
  });

  it("reads the size from a PAX record and a GNU base-256 size field", async () => {
    const data = Buffer.from("hello");
    const pax = entry("./PaxHeaders/big", "x", record("size", "5"));
    const big = header("big", "0", 0); // the size field says 0: the PAX record wins
    const b256 = header("b256", "0", 0);
    b256.fill(0, 124, 136);
    b256[124] = 0x80;
    b256[135] = 5;
    checksum(b256);
    const input = Buffer.concat([pax, big, pad(data), b256, pad(data), Buffer.alloc(1024)]);
    const kept = await filter(input, { drop: () => false }, 50);
    expect(kept.out.equals(input)).toBe(true);
    const dropped = await filter(input, { drop: (e) => e.name === "big" });
    expect(dropped.f.dropped).toEqual([{ name: "big", size: 5, type: "0" }]);
    expect(dropped.out.equals(Buffer.concat([b256, pad(data), Buffer.alloc(1024)]))).toBe(true);
  });

  it("passes a PAX global header on, whatever it leaves out", async () => {
    const global = entry("pax_global_header", "g", record("comment", "kept"));
    const a = entry("a", "0", Buffer.from("A"));
    const input = Buffer.concat([global, a, Buffer.alloc(1024)]);
    const { out } = await filter(input, { drop: (e) => e.name === "a" });
    expect(out.equals(Buffer.concat([global, Buffer.alloc(1024)]))).toBe(true);
  });

  it("refuses what is not a tar archive, and an archive that ends inside an entry", async () => {
    await expect(filter(Buffer.alloc(1024, 7), { drop: () => false })).rejects.toThrow(/bad checksum/);
    const input = makeTar("pax");
    await expect(filter(input.subarray(0, 1500), { drop: () => false })).rejects.toThrow(/ended inside an entry/);
  });

  it("reads PAX records by their length, values with spaces and newlines included", () => {
    const body = Buffer.concat([record("path", "a b\nc"), record("size", "12"), record("mtime", "1.5")]);
    expect(paxRecords(body)).toEqual({ path: "a b\nc", size: 12 });
    expect(() => paxRecords(Buffer.from("99 path=x\n"))).toThrow(/bad PAX record/);
  });
});

/** "LEN key=value\n", LEN counting itself. */
function record(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return Buffer.from(`${len}${body}`);
}

function header(name: string, type: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  h.write("00000000000\0", 136);
  h.write(type, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  checksum(h);
  return h;
}

function checksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
}

function pad(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function entry(name: string, type: string, data: Buffer): Buffer {
  return Buffer.concat([header(name, type, data.length), pad(data)]);
}
