import type Docker from "dockerode";
import { hostname } from "node:os";
import { UserError } from "../errors.js";
import { FDOCK_LABEL_PREFIX } from "../render/layout.js";

/**
 * One deploy at a time per project and engine. The lock lives on the engine itself, so it holds
 * for everyone deploying there, from this machine or another: a Docker network named for the
 * project, which the engine refuses to create twice (409). Its labels say who holds it.
 */
const LOCK_LABEL = `${FDOCK_LABEL_PREFIX}.deploy-lock`;
const HOLDER_HOST = `${LOCK_LABEL}.host`;
const HOLDER_PID = `${LOCK_LABEL}.pid`;
const SINCE = `${LOCK_LABEL}.since`;

/** Older than this, a lock is taken to be left over from a deploy that died. */
export const STALE_AFTER_MS = 60 * 60 * 1000;

export function lockName(project: string): string {
  return `fdock-deploy-lock-${project}`;
}

export interface LockHolder {
  host: string;
  pid: number;
  since: Date;
}

export function holderOf(labels: Record<string, string> | undefined): LockHolder {
  return {
    host: labels?.[HOLDER_HOST] ?? "unknown",
    pid: Number(labels?.[HOLDER_PID] ?? 0),
    since: new Date(labels?.[SINCE] ?? 0),
  };
}

/**
 * Whether a lock's holder is gone: it ran on this host and its process no longer exists, or it
 * is older than any deploy takes. A holder on another host is trusted until then.
 */
export function isStale(holder: LockHolder, here: string, now: number, alive: (pid: number) => boolean): boolean {
  if (!(now - holder.since.getTime() < STALE_AFTER_MS)) return true;
  return holder.host === here && holder.pid > 0 && !alive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface DeployLock {
  release(): Promise<void>;
  /** Why no lock is held (the engine could not make one); the deploy goes on without it. */
  notHeld?: string;
}

/** Takes the project's deploy lock on this engine, or says why it goes on without one. */
export async function acquireDeployLock(docker: Docker, project: string): Promise<DeployLock> {
  const name = lockName(project);
  const here = hostname();
  const release = async () => {
    await docker.getNetwork(name).remove().catch(() => undefined);
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await docker.createNetwork({
        Name: name,
        Internal: true,
        Labels: { [LOCK_LABEL]: project, [HOLDER_HOST]: here, [HOLDER_PID]: String(process.pid), [SINCE]: new Date().toISOString() },
      });
      return { release };
    } catch (e) {
      // Anything but "exists" (no address pool left, say) must not stop a deploy: go on unlocked.
      if ((e as { statusCode?: number }).statusCode !== 409) {
        return { release: async () => undefined, notHeld: `no deploy lock: the engine could not create network ${name} (${(e as Error).message.trim()})` };
      }
    }
    const info = (await docker.getNetwork(name).inspect().catch(() => undefined)) as { Labels?: Record<string, string> } | undefined;
    if (!info) continue; // released meanwhile: try again
    if (info.Labels?.[LOCK_LABEL] === undefined) {
      throw new UserError(`A Docker network named ${name} exists and is not fdock's deploy lock.`, `fdock uses that name to lock deploys of ${project}: rename or remove that network (\`docker network rm ${name}\`).`);
    }
    const holder = holderOf(info.Labels);
    if (attempt === 0 && isStale(holder, here, Date.now(), processAlive)) {
      await release();
      continue;
    }
    const since = Number.isNaN(holder.since.getTime()) ? "an unknown time" : holder.since.toISOString();
    throw new UserError(
      `Another fdock deploy of ${project} is in progress on this engine (fdock pid ${holder.pid} on ${holder.host}, since ${since}).`,
      `Wait for it to finish, then run the command again. If that deploy was interrupted, remove its lock: \`docker network rm ${name}\` (with the same DOCKER_HOST or --context).`,
    );
  }
  throw new UserError(`Could not take the deploy lock of ${project} on this engine.`, "Run the command again.");
}
