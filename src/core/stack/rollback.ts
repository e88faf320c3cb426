import type Docker from "dockerode";
import { startProcesses } from "./services.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { COMPOSE_FILE } from "../render/bundle.js";
import { imageName } from "../render/compose.js";
import { deployProduction } from "./blue-green.js";
import { acquireDeployLock } from "./deploy-lock.js";
import { edgeEntry } from "./edge-deploy.js";
import { checkServing, servedUrl, type Entry } from "./serve-check.js";
import { prepareStack, type Stack, type StackOptions } from "./prepare.js";
import { listReleases, releaseCompose, tagLatest, type Release } from "./releases.js";

export interface RollbackResult {
  release: Release;
  url: string;
  project: string;
}

/**
 * Switches the production stack back to a release (default: the one before the current one)
 * through the same health-gated, gap-free path as a deploy, with no build: the release's images
 * become `:latest` again and its compose file's gunicorn and nginx services are run. The release
 * command is not run again (migrations are not undone).
 */
export async function rollback(opts: StackOptions, reporter: Reporter, id?: string, docker?: Docker, signal?: AbortSignal): Promise<RollbackResult> {
  const stack = await step(reporter, "render", "Render the compose file", () => prepareStack({ ...opts, mode: "production" }, docker));
  const lock = await acquireDeployLock(stack.docker, stack.project.config.name);
  if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
  try {
    const releases = await listReleases(stack.docker, stack.project);
    const target = chooseRelease(releases, id);
    const compose = await releaseCompose(stack.docker, stack.project, target.id);
    const before = await latestImages(stack);
    try {
      writeFileSync(join(stack.compose.bundleDir, COMPOSE_FILE), withReleaseServices(compose, stack));
      await tagLatest(stack.docker, stack.project, target.images);
      await step(reporter, "start", `Start release ${target.id} beside the running one, wait until healthy, switch to it`, () => deployProduction(stack, signal));
      await startProcesses(stack, reporter);
    } catch (e) {
      // :latest goes back to what the last build made, as if this rollback had not run.
      if (before) await tagLatest(stack.docker, stack.project, before).catch(() => undefined);
      throw e;
    }
    const { scheme, port } = stack.target.edge ? await edgeEntry(stack) : { scheme: "http" as const, port: stack.target.publish.port || (await stack.compose.publishedPort("front", 80)) };
    const entry: Entry = { scheme, host: opts.remoteHost ?? stack.target.publish.host ?? "127.0.0.1", port, edge: Boolean(stack.target.edge) };
    await checkServing(reporter, stack.project.config, entry, opts.remoteHost);
    const url = servedUrl(entry, stack.project.config);
    return { release: { ...target, current: true }, url, project: stack.project.config.name };
  } finally {
    await lock.release();
  }
}

/** The release asked for, or the one deployed before the current one. */
export function chooseRelease(releases: Release[], id: string | undefined, where = "this engine"): Release {
  const list = releases.map((r) => r.id).join(", ") || "none";
  if (id) {
    const found = releases.find((r) => r.id === id);
    if (!found) throw new UserError(`No release ${id} on ${where}.`, `\`fdock releases\` lists them (kept: ${list}).`);
    if (found.current) throw new UserError(`Release ${id} is the one serving already.`, "Nothing to do; `fdock releases` lists the others.");
    return found;
  }
  const current = releases.findIndex((r) => r.current);
  const previous = current >= 0 ? releases[current + 1] : undefined;
  if (!previous) {
    throw new UserError(
      current >= 0 ? "There is no release before the one serving." : "The running version is none of the kept releases, so there is no “previous” one.",
      `Name one: \`fdock rollback RELEASE\` (kept: ${list}).`,
    );
  }
  return previous;
}

async function latestImages(stack: Stack): Promise<{ gunicorn: string; nginx: string } | undefined> {
  const id = (service: "gunicorn" | "nginx") => stack.docker.getImage(imageName(stack.project, service)).inspect().then((i) => i.Id);
  return Promise.all([id("gunicorn"), id("nginx")]).then(([gunicorn, nginx]) => ({ gunicorn, nginx }), () => undefined);
}

/**
 * The compose file now rendered, with the release's own gunicorn, nginx and release services and
 * volumes (its environment, workers, health path): the front, the port and the networks stay as
 * they are, so the front is not recreated.
 */
function withReleaseServices(releaseText: string, stack: Stack): string {
  const release = parse(releaseText) as { services: Record<string, unknown>; volumes?: Record<string, unknown> };
  const now = parse(renderedNow(stack)) as { services: Record<string, unknown>; volumes?: Record<string, unknown> };
  for (const service of ["gunicorn", "nginx", "release"]) {
    if (release.services[service]) now.services[service] = release.services[service];
    else delete now.services[service];
  }
  const volumes = { ...now.volumes, ...release.volumes };
  if (Object.keys(volumes).length) now.volumes = volumes;
  return `# Written by fdock rollback from a release's compose file.\n` + stringify(now, { lineWidth: 0 });
}

function renderedNow(stack: Stack): string {
  // prepareStack just wrote it.
  return readFileSync(join(stack.compose.bundleDir, COMPOSE_FILE), "utf8");
}
