import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument, stringify } from "yaml";
import { ConfigError, UserError } from "../errors.js";
import { CONFIG_FILE, type Project, type ProjectConfig, type ProjectInput } from "./model.js";
import { readRequirements } from "./requirements.js";
import { validateConfig } from "./validate.js";

export function configPath(dir: string): string {
  return join(dir, CONFIG_FILE);
}

/** Image overrides for tests and air-gapped users: the environment wins over fdock.yaml. */
export function applyImageOverrides(config: ProjectConfig, env: NodeJS.ProcessEnv): ProjectConfig {
  return {
    ...config,
    images: {
      python: env.FDOCK_PYTHON_IMAGE || config.images.python,
      nginx: env.FDOCK_NGINX_IMAGE || config.images.nginx,
    },
  };
}

export function parseConfigText(text: string, file = CONFIG_FILE): ProjectConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : "";
    throw new ConfigError(`${file} is not valid YAML${where}: ${e.message.split("\n")[0]}`, `Fix the YAML syntax in ${file}.`);
  }
  return validateConfig(doc.toJS(), file);
}

/** Loads the project in dir; a missing fdock.yaml says to run `fdock init`. */
export function loadProject(dir: string, env: NodeJS.ProcessEnv = process.env): Project {
  if (!existsSync(dir)) {
    throw new UserError(`Project folder ${dir} does not exist.`, "Pass the folder of your Flask app with -C DIR.");
  }
  const file = configPath(dir);
  if (!existsSync(file)) {
    throw new UserError(`No ${CONFIG_FILE} in ${dir}.`, "Run `fdock init` in your app's folder (or pass it with -C DIR) first.");
  }
  const config = applyImageOverrides(parseConfigText(readFileSync(file, "utf8")), env);
  return { dir, config, requirements: readRequirements(dir) };
}

export function renderConfigFile(input: ProjectInput): string {
  return [
    "# fdock project file: how fdock builds and serves this app.",
    "# Every key is described in fdock's README under \"Configuration\".",
    stringify(input, { lineWidth: 0 }),
  ].join("\n");
}

export function writeConfigFile(dir: string, input: ProjectInput): string {
  const file = configPath(dir);
  writeFileSync(file, renderConfigFile(input));
  return file;
}
