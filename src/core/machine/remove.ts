import { existsSync } from "node:fs";
import { runArgv } from "../exec.js";
import { step, type Reporter } from "../events.js";
import { UserError } from "../errors.js";
import { removeContext } from "./docker-context.js";
import { withMachineLock } from "./lock.js";
import { loadMachine } from "./machine.js";
import { syncSshConfig } from "./sync-ssh-config.js";
import { fdockSshConfig, sshAlias } from "./paths.js";
import { MachineStore } from "./store.js";

export interface RemoveResult {
  name: string;
  removed: string[];
}

/**
 * Removes the host (driver), the Docker context, the ssh entry and the local state. When the
 * driver fails (the host or cloud is gone), local state stays unless `force`.
 */
export async function removeMachine(name: string, opts: { force: boolean; dryRun?: boolean; env?: NodeJS.ProcessEnv }, reporter: Reporter): Promise<RemoveResult> {
  const env = opts.env ?? process.env;
  const store = new MachineStore(env);
  store.require(name); // unknown machine: a clear error (an unreadable config is still removable with -f)
  if (opts.dryRun) {
    // The driver lists what it would delete (for a cloud host: found by tag too); nothing changes.
    const m = await loadMachine(name, env);
    const host = await m.driver.remove({ force: opts.force, dryRun: true, reporter });
    return { name, removed: [...host, `Docker context fdock-${name}`, `ssh entry ${sshAlias(name)}`, `local state ${store.dir(name)}`] };
  }
  return withMachineLock(name, env, () => removeLocked(name, { force: opts.force, env }, reporter));
}

/** The removal itself, for a caller that holds the machine's lock (rm, and create rolling back). */
export async function removeLocked(name: string, opts: { force: boolean; env: NodeJS.ProcessEnv }, reporter: Reporter): Promise<RemoveResult> {
  const env = opts.env;
  const store = new MachineStore(env);
  const removed: string[] = [];
  try {
    const m = await loadMachine(name, env);
    removed.push(...(await step(reporter, "remove-host", `Remove the host (${m.config.driver})`, () => m.driver.remove({ force: opts.force, reporter }))));
  } catch (e) {
    if (!opts.force) {
      throw new UserError(`Could not remove machine "${name}": ${(e as Error).message}`, `Nothing local was removed. If the host is gone already, \`fdock machine rm -f ${name}\` drops the local state anyway.`);
    }
    reporter.emit({ kind: "info", message: `the driver failed (${(e as Error).message}); removing the local state anyway (--force)` });
  }
  // Close a shared ssh connection, if one is open (best effort).
  await runArgv({ file: "ssh", args: ["-F", fdockSshConfig(env), "-O", "exit", sshAlias(name)] }, { env, timeoutMs: 5_000 }).catch(() => undefined);
  await step(reporter, "remove-local", "Remove the Docker context, ssh entry and local state", async () => {
    if (await removeContext(name, env).catch((e: Error) => { if (!opts.force) throw e; return false; })) removed.push(`Docker context fdock-${name}`);
    store.remove(name);
    // No fdock ssh config yet (a create stopped before writing one): nothing to take the entry out of.
    if (existsSync(fdockSshConfig(env))) syncSshConfig(env);
    removed.push(`ssh entry ${sshAlias(name)}`, `local state ${store.dir(name)}`);
  });
  return { name, removed };
}
