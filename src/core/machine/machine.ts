/** A stored machine with its driver loaded, and what can be asked of it without connecting. */
import { join } from "node:path";
import type { Driver, MachineState } from "./driver.js";
import { driverEntry } from "./drivers/lookup.js";
import { MachineStore, type MachineConfig } from "./store.js";

/** A stored machine with its driver loaded. */
export interface Machine {
  config: MachineConfig;
  driver: Driver;
  dir: string;
}

export function knownHostsPath(dir: string): string {
  return join(dir, "known_hosts");
}

export async function factoryFor(driverName: string) {
  return driverEntry(driverName).load();
}

export async function loadMachine(name: string, env: NodeJS.ProcessEnv): Promise<Machine> {
  const store = new MachineStore(env);
  const config = store.load(name);
  const dir = store.dir(name);
  const driver = await (await factoryFor(config.driver)).load(config.driverData, dir, env);
  return { config, driver, dir };
}

export async function machineState(m: Machine): Promise<MachineState> {
  try {
    return await m.driver.state();
  } catch {
    return "Error";
  }
}
