import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  mode?: number;
  /** Test seam: runs after the temp file is written and synced, before the rename (a crash there must leave the old file). */
  beforeRename?: (tempPath: string) => void;
  /** Never replace an existing file: fail with EEXIST instead (a hard link in place of the rename). */
  exclusive?: boolean;
}

/**
 * Writes a file so that readers see the old content or the new, never a part: a temp file in
 * the same folder, fsync, rename over the target, fsync the folder. Mode 0600 unless told.
 */
export function writeFileAtomic(path: string, data: string | Buffer, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, "wx", opts.mode ?? 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    opts.beforeRename?.(temp);
    if (opts.exclusive) linkSync(temp, path);
    else renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  if (opts.exclusive) rmSync(temp, { force: true });
  try {
    const dfd = openSync(dir, "r");
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  }
}
