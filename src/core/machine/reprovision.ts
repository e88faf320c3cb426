/** `fdock machine provision`: install and start Docker on a recorded machine again (safe to repeat). */
import type { Reporter } from "../events.js";
import { finishLocalSetup, provisionMachine } from "./create.js";
import { withMachineLock } from "./lock.js";
import { loadMachine } from "./machine.js";
import { MachineStore } from "./store.js";

/**
 * Under the machine's lock: connect (waiting up to sshTimeout seconds, pinning the host key on
 * first contact), provision, record ready (or error, with why), then the ssh entry and context.
 */
export async function reprovisionMachine(name: string, opts: { sshTimeout: number }, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
  const store = new MachineStore(env);
  const m = await loadMachine(name, env);
  await withMachineLock(name, env, async () => {
    try {
      const engineVersion = await provisionMachine(m, reporter, { timeoutMs: opts.sshTimeout * 1000, wait: true });
      store.save({ ...m.config, state: "ready", engineVersion, error: undefined });
    } catch (e) {
      store.save({ ...m.config, state: "error", error: (e as Error).message });
      throw e;
    }
    await finishLocalSetup(name, env, reporter);
  });
}
