/**
 * Whether `--remote` means a cluster: a stored cluster's name that is no machine's (create refuses
 * both), or bare `--remote` while the active target is a cluster (`fdock use CLUSTER`, active-cluster.ts).
 */
import { MachineStore } from "../../machine/store.js";
import { activeCluster } from "../active-cluster.js";
import { ClusterStore } from "../store.js";

export function clusterNamed(remote: string | boolean | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (remote === true) return activeCluster(env)?.cluster;
  if (typeof remote !== "string" || new MachineStore(env).exists(remote)) return undefined;
  return new ClusterStore(env).exists(remote) ? remote : undefined;
}
