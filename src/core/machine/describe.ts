/** What `fdock machine ls`, `inspect`, `ip` and `status` report about machines. */
import type { Reporter } from "../events.js";
import { activeMachine } from "./active.js";
import type { MachineState } from "./driver.js";
import { knownHostsPath, loadMachine, machineState } from "./machine.js";
import { contextName, sshAlias } from "./paths.js";
import { followAddress } from "./power.js";
import { MachineStore, type MachineConfig } from "./store.js";

/** A row of `fdock machine ls`. */
export interface MachineRow {
  name: string;
  active: boolean;
  driver: string;
  /** The driver's state; "Running (created)" while a create has not finished; "Error" for an unreadable config. */
  state: string;
  url: string;
  docker: string;
  error?: string;
}

/** Every machine with its state as its driver sees it now. A config that cannot be read is listed as Error (with why), never hides the others. */
export async function listMachines(env: NodeJS.ProcessEnv): Promise<MachineRow[]> {
  const active = activeMachine(env).name;
  return Promise.all(
    new MachineStore(env).listAll().map(async ({ name, config: c, error }) => {
      if (!c) return { name, active: name === active, driver: "?", state: "Error", url: "", docker: "", error };
      const m = await loadMachine(c.name, env).catch(() => null);
      const state = m && c.ssh ? await machineState(m) : c.state === "creating" ? "Creating" : "Unknown";
      return {
        name: c.name,
        active: c.name === active,
        driver: c.driver,
        state: c.state === "ready" || state !== "Running" ? state : `Running (${c.state})`,
        url: c.ssh ? `ssh://${sshAlias(c.name)}` : "",
        docker: c.engineVersion ?? "",
        error: c.error,
      };
    }),
  );
}

/** A machine's details for `fdock machine inspect`. The config holds no secrets by design (keys are files of their own); paths are fine to show. */
export async function inspectMachine(name: string, env: NodeJS.ProcessEnv): Promise<MachineConfig & { dir: string; sshAlias: string; context: string; knownHosts: string }> {
  const m = await loadMachine(name, env);
  return { ...m.config, dir: m.dir, sshAlias: sshAlias(name), context: contextName(name), knownHosts: knownHostsPath(m.dir) };
}

/** A machine's address as its driver reads it now; the store and ssh entry follow a new one. */
export async function machineIp(name: string, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<string> {
  const m = await loadMachine(name, env);
  const ip = await m.driver.ip();
  followAddress(m, env, reporter);
  return ip;
}

/** The driver's state of a machine ("Error" when it cannot tell), and the state recorded in its config. */
export async function machineStatus(name: string, env: NodeJS.ProcessEnv): Promise<{ state: MachineState; config: MachineConfig["state"] }> {
  const m = await loadMachine(name, env);
  return { state: await machineState(m), config: m.config.state };
}
