/** Reaching a cluster through the first of its managers that answers. */
import { UserError } from "../errors.js";
import type { ClusterConfig } from "./store.js";
import { openNode, type SwarmNode } from "./swarm-node.js";

/** The first manager whose engine answers and still manages the swarm; a clear error naming each one's failure when none does. */
export async function firstManager(cluster: ClusterConfig, env: NodeJS.ProcessEnv): Promise<SwarmNode> {
  const why: string[] = [];
  for (const machine of cluster.managers) {
    try {
      const node = await openNode(machine, env);
      if (node.swarm.ControlAvailable && node.swarm.Cluster?.ID === cluster.swarmId) return node;
      node.close();
      why.push(`${machine}: ${node.swarm.Cluster?.ID ? `manages another swarm (${node.swarm.Cluster.ID})` : `not a manager of the swarm (state: ${node.swarm.LocalNodeState ?? "unknown"})`}`);
    } catch (e) {
      why.push(`${machine}: ${(e as Error).message}`);
    }
  }
  throw new UserError(`No manager of cluster "${cluster.name}" answers (${why.join("; ")}).`, `See \`fdock machine status MACHINE\` for each of ${cluster.managers.join(", ")}.`);
}
