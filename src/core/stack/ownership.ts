import type Docker from "dockerode";
import { realpathSync } from "node:fs";
import { hostname } from "node:os";
import { relative } from "node:path";
import { PrecheckError } from "../errors.js";
import { runArgv } from "../exec.js";
import { COMPOSE_LABELS, FDOCK_LABEL_PREFIX } from "../render/layout.js";

/**
 * Which project owns a compose project name on an engine. Compose keys everything (containers,
 * networks, volumes: the app's data) by `name`, so a second project with the same name would
 * replace the first one's containers and share its volumes. fdock records the owner on the
 * engine, in a volume of its own whose labels say who deployed it, and refuses a deploy (or a
 * `down`) from another project while the first one's stack exists.
 *
 * The identity: the git repository (origin URL without credentials, plus the folder inside it)
 * when the project is a git clone with an origin, so the same repo deployed from a second
 * laptop, a CI runner or another clone is the same project; otherwise this host and the
 * project's absolute folder.
 */
const LABEL = `${FDOCK_LABEL_PREFIX}.owner`;
const ID = `${LABEL}.id`;
const DIR = `${LABEL}.dir`;
const HOST = `${LABEL}.host`;

export interface ProjectIdentity {
  /** What is compared: "git:github.com/acme/blog#." or "dir:laptop:/home/me/blog". */
  id: string;
  /** Shown in errors: where the project was deployed from. */
  dir: string;
  host: string;
}

export function ownerVolume(project: string): string {
  return `fdock-owner-${project}`;
}

/**
 * An origin URL as an identity: the host and path, lowercased host, no scheme, user, password or
 * ".git". "git@github.com:Acme/blog.git" and "https://tok@github.com/Acme/blog" are the same.
 */
export function normalizeOrigin(url: string): string {
  const u = url.trim();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(u);
  let host: string;
  let path: string;
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    [host, path] = [scp[1]!, scp[2]!];
  } else {
    try {
      const parsed = new URL(u);
      [host, path] = [parsed.host, parsed.pathname];
    } catch {
      return u.replace(/\/+$/, "").replace(/\.git$/, "");
    }
  }
  return `${host.toLowerCase()}/${path.replace(/^\/+/, "").replace(/\/+$/, "").replace(/\.git$/, "")}`;
}

/** This project's identity (see the top of this file). */
export async function projectIdentity(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<ProjectIdentity> {
  const real = realpathSync(dir);
  const host = hostname();
  const git = async (...args: string[]) => {
    const r = await runArgv({ file: "git", args: ["-C", real, ...args] }, { env, timeoutMs: 10_000 }).catch(() => undefined);
    return r?.exitCode === 0 ? r.stdout.trim() : "";
  };
  const origin = await git("config", "--get", "remote.origin.url");
  const top = origin ? await git("rev-parse", "--show-toplevel") : "";
  if (origin && top) return { id: `git:${normalizeOrigin(origin)}#${relative(realpathSync(top), real) || "."}`, dir: real, host };
  return { id: `dir:${host}:${real}`, dir: real, host };
}

export interface Owner {
  id: string;
  dir: string;
  host: string;
}

function ownerOf(labels: Record<string, string> | undefined): Owner | undefined {
  if (!labels?.[ID]) return undefined;
  return { id: labels[ID], dir: labels[DIR] ?? "an unknown folder", host: labels[HOST] ?? "an unknown host" };
}

/**
 * The rule. No owner recorded: claim the name (a stack made before owners were recorded is
 * adopted). The same identity: go on. Another identity: refuse while its stack (containers or
 * volumes) exists; once it is gone (`fdock down -v`, or removed by hand), take the name over.
 */
export function ownershipDecision(owner: Owner | undefined, ours: ProjectIdentity, stackExists: boolean): "claim" | "ours" | "take-over" | "refuse" {
  if (!owner) return "claim";
  if (owner.id === ours.id) return "ours";
  return stackExists ? "refuse" : "take-over";
}

export function ownershipError(project: string, owner: Owner, ours: ProjectIdentity, doing: "deploy" | "down"): PrecheckError {
  const what = doing === "deploy" ? "Deploying this one would replace its containers and share its volumes (its data)" : "`fdock down` here would remove that project's stack";
  return new PrecheckError(
    `Another project named "${project}" is deployed on this engine, from ${owner.dir} on ${owner.host} (this one: ${ours.dir} on ${ours.host}). ${what}.`,
    `Give this project another \`name\` in fdock.yaml, or remove the other one first (\`fdock down\` in ${owner.dir}). ` +
      `If it is this same app, moved to another folder or computer, let this one take it over: \`docker volume rm ${ownerVolume(project)}\` (on the same engine).`,
  );
}

/** Whether anything of the compose project is on the engine: containers, or volumes (the app's data). */
async function stackExists(docker: Docker, project: string): Promise<boolean> {
  const filters = { label: [`${COMPOSE_LABELS.project}=${project}`] };
  const containers = await docker.listContainers({ all: true, filters });
  if (containers.length) return true;
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  return volumes.length > 0;
}

async function readOwner(docker: Docker, project: string): Promise<Owner | undefined> {
  const info = (await docker.getVolume(ownerVolume(project)).inspect().catch(() => undefined)) as { Labels?: Record<string, string> } | undefined;
  return ownerOf(info?.Labels ?? undefined);
}

async function writeOwner(docker: Docker, project: string, ours: ProjectIdentity): Promise<void> {
  await docker.createVolume({ Name: ownerVolume(project), Labels: { [ID]: ours.id, [DIR]: ours.dir, [HOST]: ours.host } });
}

/**
 * Called by a deploy before anything changes (the project's deploy lock held): refuses when
 * another project owns the name, else records this one as the owner. Returns whether the name
 * was newly claimed.
 */
export async function claimProjectName(docker: Docker, project: { dir: string; config: { name: string } }, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const name = project.config.name;
  const ours = await projectIdentity(project.dir, env);
  const owner = await readOwner(docker, name);
  const decision = ownershipDecision(owner, ours, owner && owner.id !== ours.id ? await stackExists(docker, name) : false);
  if (decision === "ours") return false;
  if (decision === "refuse") throw ownershipError(name, owner!, ours, "deploy");
  if (decision === "take-over") await docker.getVolume(ownerVolume(name)).remove();
  await writeOwner(docker, name, ours);
  return true;
}

/**
 * Runs a deploy as the owner of the project's name (claimProjectName first). A first deploy
 * that fails and leaves nothing on the engine leaves no claim either.
 */
export async function asProjectOwner<T>(docker: Docker, project: { dir: string; config: { name: string } }, env: NodeJS.ProcessEnv | undefined, deploy: () => Promise<T>): Promise<T> {
  const claimed = await claimProjectName(docker, project, env);
  try {
    return await deploy();
  } catch (e) {
    if (claimed && !(await stackExists(docker, project.config.name).catch(() => true))) await releaseProjectName(docker, project.config.name);
    throw e;
  }
}

/** Called by `fdock down`: refuses to remove another project's stack of the same name. */
export async function checkProjectName(docker: Docker, project: { dir: string; config: { name: string } }, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const name = project.config.name;
  const ours = await projectIdentity(project.dir, env);
  const owner = await readOwner(docker, name);
  if (ownershipDecision(owner, ours, owner && owner.id !== ours.id ? await stackExists(docker, name) : false) === "refuse") {
    throw ownershipError(name, owner!, ours, "down");
  }
}

/** The project names fdock has claimed on this engine (their owner volumes): how `fdock apps` knows an fdock app. */
export async function claimedProjects(docker: Docker): Promise<string[]> {
  const volumes = (await docker.listVolumes({ filters: { label: [ID] } })).Volumes ?? [];
  const prefix = ownerVolume("");
  return volumes.map((v) => v.Name).filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
}

/** After `fdock down -v`: the project's data is gone, so is its claim on the name. */
export async function releaseProjectName(docker: Docker, project: string): Promise<void> {
  await docker.getVolume(ownerVolume(project)).remove().catch(() => undefined);
}
