/** `fdock cluster add`: more managers or workers joined to an existing cluster. */
import { step, type Reporter } from "../events.js";
import { joinAll, knownSwarms, undoJoins } from "./create.js";
import { openPorts } from "./cluster-ports.js";
import { firstManager } from "./manager.js";
import { checkMembers, type Members } from "./members.js";
import { ClusterStore, type ClusterConfig } from "./store.js";
import { checkNodesFree, closeAll, openNodes, type SwarmNode } from "./swarm-node.js";

export async function addToCluster(name: string, members: Members, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<ClusterConfig> {
  const store = new ClusterStore(env);
  const config = store.load(name);
  checkMembers(members, env, config, name);
  const manager = await step(reporter, "manager", `reaching a manager of ${name}`, () => firstManager(config, env));
  try {
    const nodes = await step(reporter, "connect", "connecting to the new machines' engines", () => openNodes([...members.managers, ...members.workers], env));
    try {
      checkNodesFree(nodes, knownSwarms(env));
      const byName = new Map(nodes.map((n) => [n.machine, n]));
      const joined: SwarmNode[] = [];
      const ports = await openPorts(name, [...members.managers, ...members.workers], config.securityGroup, env, reporter);
      try {
        await joinAll(manager, [
          ...members.managers.map((m) => ({ node: byName.get(m)!, role: "manager" as const })),
          ...members.workers.map((m) => ({ node: byName.get(m)!, role: "worker" as const })),
        ], env, reporter, joined);
      } catch (e) {
        await undoJoins(joined, reporter);
        await ports.undo().catch((u: Error) => reporter.emit({ kind: "info", message: `could not undo the security group change: ${u.message}` }));
        throw e;
      }
      const updated = { ...config, ...(ports.group ? { securityGroup: ports.group } : {}), managers: [...config.managers, ...members.managers], workers: [...config.workers, ...members.workers] };
      store.save(updated);
      return updated;
    } finally {
      closeAll(nodes);
    }
  } finally {
    manager.close();
  }
}
