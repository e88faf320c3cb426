import { realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { ConfigError } from "../errors.js";
import { CONFIG_FILE } from "./model.js";

/**
 * static.folder is copied into the nginx image and served to everyone: it must be a folder
 * strictly inside the project, also once symlinks are followed (the schema already refuses
 * "." and "..", this refuses a link that leads to the project root or out of it).
 */
export function checkStaticFolder(dir: string, folder: string): void {
  const hint = `Set static.folder in ${CONFIG_FILE} to the folder of your static files inside the project (e.g. "static" or "app/static"), or remove the static key.`;
  const path = join(dir, folder);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new ConfigError(`${CONFIG_FILE} is invalid:\n  static.folder: "${folder}" does not exist in ${dir}`, hint);
  }
  if (!statSync(real).isDirectory()) throw new ConfigError(`${CONFIG_FILE} is invalid:\n  static.folder: "${folder}" is not a folder`, hint);
  const root = realpathSync(dir);
  const inside = relative(root, real);
  if (inside === "") {
    throw new ConfigError(`${CONFIG_FILE} is invalid:\n  static.folder: "${folder}" is the project folder itself: nginx would serve your code and secrets`, hint);
  }
  if (inside === ".." || inside.startsWith(`..${sep}`) || inside.startsWith(sep)) {
    throw new ConfigError(`${CONFIG_FILE} is invalid:\n  static.folder: "${folder}" leads outside the project (to ${real}, through a symlink)`, hint);
  }
}
