import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { NotSupportedError } from "./driver.js";
import { withMachineLock } from "./lock.js";
import { loadMachine, type Machine } from "./machine.js";
import { syncSshConfig } from "./sync-ssh-config.js";
import { MachineStore } from "./store.js";

export type PowerVerb = "start" | "stop" | "restart" | "kill";

/** start, stop, restart or kill a machine, under its lock; after a (re)start its address is followed. */
export async function powerMachine(name: string, verb: PowerVerb, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
  const m = await loadMachine(name, env);
  await withMachineLock(name, env, () =>
    step(reporter, verb, `${verb[0]!.toUpperCase()}${verb.slice(1)} ${name}`, async () => {
      try {
        await m.driver[verb]();
      } catch (e) {
        if (e instanceof NotSupportedError) throw new UserError(e.message, "`fdock machine ls` shows whether it runs.");
        throw e;
      }
      if (verb === "start" || verb === "restart") {
        await m.driver.ip();
        followAddress(m, env, reporter);
      }
    }),
  );
}

/**
 * A cloud host may come back with another public IP: the store, the ssh entry (and through
 * it the Docker context, which names the ssh alias) follow it. The host key stays pinned under
 * the alias, so a new address does not mean a new key. Call after the driver re-read its address.
 */
export function followAddress(m: Machine, env: NodeJS.ProcessEnv, reporter: Reporter): void {
  const before = m.config.ssh?.host;
  const ssh = m.driver.ssh();
  if (ssh.host === before) return;
  new MachineStore(env).save({ ...m.config, driverData: m.driver.toJSON(), ssh });
  syncSshConfig(env);
  reporter.emit({ kind: "info", message: `${m.config.name} now answers at ${ssh.host} (was ${before ?? "unknown"}); ssh entry and context follow it` });
}
