import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { loadProject } from "../project/config-file.js";
import { COMPOSE_FILE } from "../render/layout.js";
import { bundleDir } from "./bundle-files.js";
import { ComposeProject } from "./compose-project.js";

export interface ExistingOptions {
  env?: NodeJS.ProcessEnv;
  dockerArgs?: string[];
  onOutput?: (text: string) => void;
}

/** The compose project written by the last `fdock up`: down, ps and logs act on what runs. */
export function existingCompose(dir: string, opts: ExistingOptions = {}): ComposeProject {
  const env = opts.env ?? process.env;
  loadProject(dir, env); // a clear error when this is not an fdock project
  const bundle = bundleDir(dir);
  if (!existsSync(join(bundle, COMPOSE_FILE))) {
    throw new UserError(`Nothing has been started from ${dir} yet.`, "Run `fdock up` first.");
  }
  return new ComposeProject(bundle, env, opts.dockerArgs ?? [], opts.onOutput);
}
