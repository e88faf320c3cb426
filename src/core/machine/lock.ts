import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { locksDir } from "./paths.js";

/** Another fdock process holds the machine's lock. */
export class MachineLockedError extends UserError {
  constructor(name: string, pid: number) {
    super(
      `Another fdock process (pid ${pid}) is working on machine "${name}" right now.`,
      `Wait for it to finish and run the command again. If no such process exists, the lock is stale: fdock removes it by itself once pid ${pid} is gone.`,
    );
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A per-machine lock: an atomic mkdir of FDOCK_HOME/locks/NAME.lock holding the owner's pid.
 * A lock whose process is gone is stale and taken over. Never waits: a second fdock working on
 * the same machine gets a clear error at once.
 */
export async function withMachineLock<T>(name: string, env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const dir = join(locksDir(env), `${name}.lock`);
  mkdirSync(locksDir(env), { recursive: true, mode: 0o700 });
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, "pid"), String(process.pid), { mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(dir, "pid"), "utf8").trim());
      } catch {
        // The owner made the folder but has not written its pid yet: treat as held, unless it stays empty.
      }
      if (Number.isNaN(owner) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (alive(owner)) throw new MachineLockedError(name, owner);
      if (attempt >= 20) throw new MachineLockedError(name, owner);
      rmSync(dir, { recursive: true, force: true }); // stale: its process is gone
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
