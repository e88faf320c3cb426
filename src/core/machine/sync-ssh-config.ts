/** Rewrites fdock's ssh config (one entry per machine with an address), which ~/.ssh/config includes. */
import { knownHostsPath } from "./machine.js";
import { ensureSshInclude, writeSshConfig } from "./ssh/ssh-config.js";
import { MachineStore } from "./store.js";

/** Rewrites fdock's ssh config from the store (one entry per machine with an address) and makes ~/.ssh/config include it. */
export function syncSshConfig(env: NodeJS.ProcessEnv): string {
  const store = new MachineStore(env);
  const entries = store
    .list()
    .filter((c) => c.ssh)
    .map((c) => ({ name: c.name, target: c.ssh!, knownHostsPath: knownHostsPath(store.dir(c.name)) }));
  const path = writeSshConfig(entries, env);
  ensureSshInclude(env);
  return path;
}
