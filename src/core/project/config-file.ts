import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument, stringify } from "yaml";
import { ConfigError, UserError } from "../errors.js";
import { CONFIG_FILE, DEFAULT_NGINX_IMAGE, SERVICE_KINDS, type Project, type ProjectConfig, type ProjectInput, type ServiceKind } from "./model.js";
import { readRequirements } from "./requirements.js";
import { readIgnoreFile } from "./ignore-file.js";
import { checkStaticFolder } from "./static-folder.js";
import { validateConfig } from "./validate.js";
import { IMAGE_RULE, isImageReference } from "./value-schemas.js";

export function configPath(dir: string): string {
  return join(dir, CONFIG_FILE);
}

/** Image overrides for tests and air-gapped users: the environment wins over fdock.yaml. */
export function applyImageOverrides(config: ProjectConfig, env: NodeJS.ProcessEnv): ProjectConfig {
  const services = { ...config.services };
  for (const kind of Object.keys(SERVICE_KINDS) as ServiceKind[]) {
    const settings = services[kind];
    const image = imageOverride(env, `FDOCK_${kind.toUpperCase()}_IMAGE`);
    if (settings && image) services[kind] = { ...settings, image };
  }
  return {
    ...config,
    images: {
      python: imageOverride(env, "FDOCK_PYTHON_IMAGE") ?? config.images.python,
      nginx: imageOverride(env, "FDOCK_NGINX_IMAGE") ?? config.images.nginx,
    },
    services,
  };
}

/**
 * The nginx image the engine's edge is built from: not an app's (two apps with different ones
 * would replace the edge in turn), nginx:stable unless FDOCK_NGINX_IMAGE says otherwise.
 */
export function edgeNginxImage(env: NodeJS.ProcessEnv): string {
  return imageOverride(env, "FDOCK_NGINX_IMAGE") ?? DEFAULT_NGINX_IMAGE;
}

/** An image from the environment goes into a Dockerfile ARG like fdock.yaml's: the same rule. */
function imageOverride(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  if (!isImageReference(value)) throw new ConfigError(`${name} ${JSON.stringify(value)} ${IMAGE_RULE}.`, `Fix or unset ${name}.`);
  return value;
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
  if (config.static) checkStaticFolder(dir, config.static.folder);
  return { dir, config, requirements: readRequirements(dir), ignorePatterns: readIgnoreFile(dir) };
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
