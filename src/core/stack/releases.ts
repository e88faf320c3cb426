import type Docker from "dockerode";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPOSE_FILE } from "../render/bundle.js";
import { runArgv } from "../exec.js";
import type { Project } from "../project/model.js";
import { connectEngine } from "../engine/engine.js";
import { loadProject } from "../project/config-file.js";
import { imageName } from "../render/compose.js";
import type { Stack } from "./prepare.js";
import { runningContainers } from "./start.js";
import { COMPOSE_LABELS, FDOCK_LABEL_PREFIX, imageRepo } from "../render/layout.js";

/**
 * Releases: each successful production deploy is one, kept on the engine itself (so they work
 * for a remote engine from any machine, with no local state): its images tagged
 * `fdock-NAME-gunicorn:ID` / `fdock-NAME-nginx:ID`, and a record image `fdock-NAME-release:ID`
 * (FROM scratch, no files) whose labels hold the id, time, git commit, both image IDs and the
 * rendered compose file. The engine keeps the last KEEP; older ones' images are removed.
 */
export const KEEP_RELEASES = 5;
const LABEL = `${FDOCK_LABEL_PREFIX}.release`;
/** The labels of a release record (a cluster's records use the same ones, and their own for the image references). */
export const RELEASE_LABELS = {
  project: `${LABEL}.project`,
  id: `${LABEL}.id`,
  time: `${LABEL}.time`,
  commit: `${LABEL}.commit`,
  gunicorn: `${LABEL}.gunicorn-image`,
  nginx: `${LABEL}.nginx-image`,
  compose: `${LABEL}.compose`,
};
const L = RELEASE_LABELS;

export interface Release {
  id: string;
  time: string;
  /** The project's git commit when deployed ("-dirty" when it had uncommitted changes); null outside git. */
  commit: string | null;
  images: { gunicorn: string; nginx: string };
  /** The live containers run this release's images. */
  current: boolean;
}

/** A release's image tag for one service, or its record. */
export function releaseImage(project: Project, kind: "gunicorn" | "nginx" | "release", id: string): string {
  return `${imageRepo(project.config.name, kind)}:${id}`;
}

/** A release id from its time: sortable, and a valid image tag. */
export function releaseId(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, "").replace(/[-:]/g, "").replace("T", "-");
}

/** The image IDs the running gunicorn and nginx use (undefined when not exactly one of each runs). */
async function liveImages(docker: Docker, project: { config: { name: string } }): Promise<{ gunicorn: string; nginx: string } | undefined> {
  const stack = { docker, project } as Stack;
  const [gunicorns, nginxes] = await Promise.all([runningContainers(stack, "gunicorn"), runningContainers(stack, "nginx")]);
  if (gunicorns.length !== 1 || nginxes.length !== 1) return undefined;
  return { gunicorn: gunicorns[0]!.ImageID, nginx: nginxes[0]!.ImageID };
}

/** The project's releases on this engine, newest first, the one the live containers run marked. */
export async function listReleases(docker: Docker, project: { config: { name: string } }): Promise<Release[]> {
  const [images, live] = await Promise.all([
    docker.listImages({ filters: { label: [`${L.project}=${project.config.name}`] } }),
    liveImages(docker, project),
  ]);
  return images
    .map((i) => i.Labels ?? {})
    .filter((l) => l[L.id])
    .map((l) => ({
      id: l[L.id]!,
      time: l[L.time] ?? "",
      commit: l[L.commit] || null,
      images: { gunicorn: l[L.gunicorn] ?? "", nginx: l[L.nginx] ?? "" },
      current: !!live && live.gunicorn === l[L.gunicorn] && live.nginx === l[L.nginx],
    }))
    .sort((a, b) => b.id.localeCompare(a.id));
}

/** A release's compose file, as rendered when it was deployed. */
export async function releaseCompose(docker: Docker, project: Project, id: string): Promise<string> {
  const info = await docker.getImage(releaseImage(project, "release", id)).inspect();
  return Buffer.from(info.Config.Labels?.[L.compose] ?? "", "base64").toString("utf8");
}

/** The project folder's git commit, "-dirty" with uncommitted changes; null outside a repository. */
export async function gitCommit(dir: string): Promise<string | null> {
  const head = await runArgv({ file: "git", args: ["-C", dir, "rev-parse", "--short=12", "HEAD"] }).catch(() => undefined);
  if (!head || head.exitCode !== 0) return null;
  const status = await runArgv({ file: "git", args: ["-C", dir, "status", "--porcelain", "--untracked-files=no"] });
  return head.stdout.trim() + (status.stdout.trim() ? "-dirty" : "");
}

/**
 * Records what now serves as a release (unless the newest release already is exactly that),
 * then removes releases beyond the last KEEP and the project's untagged images (builds that
 * never served). Returns the release that serves.
 */
export async function recordRelease(stack: Stack, at = new Date()): Promise<Release | undefined> {
  const { docker, project } = stack;
  const live = await liveImages(docker, project);
  if (!live) return undefined;
  const known = await listReleases(docker, project);
  const same = known.find((r) => r.current);
  if (same && same === known[0]) return same;
  let id = releaseId(at);
  for (let n = 2; known.some((r) => r.id === id); n++) id = `${releaseId(at)}-${n}`;
  const commit = await gitCommit(project.dir);
  await docker.getImage(live.gunicorn).tag({ repo: imageRepo(project.config.name, "gunicorn"), tag: id });
  await docker.getImage(live.nginx).tag({ repo: imageRepo(project.config.name, "nginx"), tag: id });
  const compose = readFileSync(join(stack.compose.bundleDir, COMPOSE_FILE), "utf8");
  const labels = {
    [L.project]: project.config.name,
    [L.id]: id,
    [L.time]: at.toISOString(),
    [L.commit]: commit ?? "",
    [L.gunicorn]: live.gunicorn,
    [L.nginx]: live.nginx,
    [L.compose]: Buffer.from(compose).toString("base64"),
  };
  const built = await runArgv(
    { file: "docker", args: [...stack.compose.dockerArgs, "build", "--quiet", "--tag", releaseImage(project, "release", id), ...Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]), "-"] },
    { env: stack.compose.env, input: "FROM scratch\n" + `LABEL ${L.id}=${id}\n` },
  );
  if (built.exitCode !== 0) throw new Error(`recording release ${id} failed: ${built.stderr.trim()}`);
  await pruneReleases(stack);
  return { id, time: at.toISOString(), commit, images: live, current: true };
}

/** Removes releases beyond the last KEEP (never the one that serves) and the project's untagged images. */
export async function pruneReleases(stack: Stack, keep = KEEP_RELEASES): Promise<string[]> {
  const { docker, project } = stack;
  const old = (await listReleases(docker, project)).slice(keep).filter((r) => !r.current);
  for (const r of old) {
    for (const kind of ["release", "gunicorn", "nginx"] as const) {
      // Only the tag goes when another tag (a newer release, :latest) still names the image.
      await docker.getImage(releaseImage(project, kind, r.id)).remove().catch(() => undefined);
    }
  }
  const dangling = await docker.listImages({ filters: { dangling: ["true"], label: [`${COMPOSE_LABELS.project}=${project.config.name}`] } });
  await Promise.all(dangling.map((i) => docker.getImage(i.Id).remove().catch(() => undefined)));
  return old.map((r) => r.id);
}

/** Points `fdock-NAME-SERVICE:latest` at a release's images (what compose runs). */
export async function tagLatest(docker: Docker, project: Project, images: { gunicorn: string; nginx: string }): Promise<void> {
  for (const service of ["gunicorn", "nginx"] as const) {
    const [repo, tag] = imageName(project, service).split(":") as [string, string];
    await docker.getImage(images[service]).tag({ repo, tag });
  }
}

/** The releases of the project in `dir` on an engine (the local one unless `docker` is given). */
export async function releasesOf(dir: string, env: NodeJS.ProcessEnv = process.env, docker?: Docker): Promise<Release[]> {
  const project = loadProject(dir, env);
  return listReleases(docker ?? (await connectEngine(env)), project);
}
