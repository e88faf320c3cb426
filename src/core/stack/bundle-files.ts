import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Bundle } from "../render/bundle.js";
import { BUNDLE_DIR, COMPOSE_FILE } from "../render/layout.js";

/** The project's bundle folder, <project>/.fdock. */
export function bundleDir(projectDir: string): string {
  return join(projectDir, BUNDLE_DIR);
}

/** Writes the bundle to <project>/.fdock, replacing what an earlier run left there; returns the compose file's path. */
export function writeBundle(projectDir: string, bundle: Bundle): string {
  const dir = bundleDir(projectDir);
  mkdirSync(dir, { recursive: true });
  for (const stale of readdirSync(dir)) {
    if (!(stale in bundle)) rmSync(join(dir, stale), { recursive: true, force: true });
  }
  for (const [name, text] of Object.entries(bundle)) writeFileSync(join(dir, name), text);
  return join(dir, COMPOSE_FILE);
}
