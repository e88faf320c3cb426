import { afterEach } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parse, stringify } from "yaml";

export const EXAMPLE_DIR = resolve(import.meta.dirname, "../../examples/flask-blog");
/** The second example: Flask-SQLAlchemy on Postgres, a Celery worker on Redis, migrations as the release. */
export const TASKS_EXAMPLE_DIR = resolve(import.meta.dirname, "../../examples/flask-tasks");

let counter = 0;

/** A copy of an example app (flask-blog unless told) in a temp folder, with its own compose project name. */
export function copyExample(
  overrides: Record<string, unknown> = {},
  example: string = EXAMPLE_DIR,
): { dir: string; name: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "fdock-test-"));
  const dir = join(root, basename(example));
  cpSync(example, dir, {
    recursive: true,
    filter: (src) => !/(\/\.fdock|\/instance|__pycache__)(\/|$)/.test(src),
  });
  const name = `fdock-test-${process.pid}-${++counter}`;
  const config = parse(readFileSync(join(dir, "fdock.yaml"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "fdock.yaml"), stringify({ ...config, name, ...overrides }));
  return { dir, name, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * For a test file: `folder(files)` makes a temp project folder with those files, removed after
 * each test.
 */
export function tempFolders(): (files: Record<string, string>) => string {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return (files) => {
    const p = projectWith(files);
    cleanups.push(p.cleanup);
    return p.dir;
  };
}

/** A folder with the given files, for detection tests. */
export function projectWith(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "fdock-detect-"));
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
