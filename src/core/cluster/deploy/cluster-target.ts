/** Whether `--remote NAME` names a cluster: a stored cluster's name that is no machine's (create refuses both). */
import { MachineStore } from "../../machine/store.js";
import { ClusterStore } from "../store.js";

export function clusterNamed(remote: string | boolean | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof remote !== "string" || new MachineStore(env).exists(remote)) return undefined;
  return new ClusterStore(env).exists(remote) ? remote : undefined;
}
