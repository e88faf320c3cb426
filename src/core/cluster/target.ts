/** `fdock env NAME` / `fdock use NAME` with a cluster's name: the machine of its first manager that answers. */
import { MachineStore, UnknownMachineError } from "../machine/store.js";
import { firstManager } from "./manager.js";
import { ClusterStore } from "./store.js";

/** A machine's name as it is; a cluster's name becomes its first answering manager; anything else is an unknown machine. */
export async function machineOrClusterManager(name: string, env: NodeJS.ProcessEnv): Promise<{ machine: string; cluster?: string }> {
  if (new MachineStore(env).exists(name)) return { machine: name };
  const clusters = new ClusterStore(env);
  if (!clusters.exists(name)) throw new UnknownMachineError(name);
  const manager = await firstManager(clusters.load(name), env);
  manager.close();
  return { machine: manager.machine, cluster: name };
}
