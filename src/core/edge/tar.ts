/**
 * A tar archive (ustar) of a few small files, for the engine API: an image's build context and
 * files put into a container (putArchive). Names up to 100 characters, no folders of their own.
 */
export interface TarFile {
  name: string;
  content: string | Buffer;
  /** Permission bits (0644 unless given). */
  mode?: number;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, "utf8");
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

function headerFor(name: string, size: number, mode: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100 || name.length === 0) throw new Error(`tar: file name "${name}" must have 1 to 100 bytes`);
  const header = Buffer.alloc(BLOCK);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(mode, 8));
  field(header, 108, 8, octal(0, 8));
  field(header, 116, 8, octal(0, 8));
  field(header, 124, 12, octal(size, 12));
  field(header, 136, 12, octal(mtime, 12));
  field(header, 148, 8, "        "); // the checksum counts its own field as spaces
  field(header, 156, 1, "0");
  field(header, 257, 6, "ustar\0");
  field(header, 263, 2, "00");
  field(header, 265, 32, "root");
  field(header, 297, 32, "root");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** The archive: each file's header and content (padded to 512 bytes), then two empty blocks. */
export function tarOf(files: readonly TarFile[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const content = typeof file.content === "string" ? Buffer.from(file.content, "utf8") : file.content;
    parts.push(headerFor(file.name, content.length, file.mode ?? 0o644, mtime), content);
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
