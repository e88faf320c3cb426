/** `fdock cluster remove-node`: a node drained (its tasks moved), then out of the swarm and the manager's list. */
import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { leavePorts } from "./cluster-ports.js";
import { firstManager } from "./manager.js";
import { ClusterStore, type ClusterConfig } from "./store.js";
import { drainNode, leaveSwarm, nodeOfMachine, removeNodeRecord, updateNode } from "./swarm-ops.js";
import { openNode } from "./swarm-node.js";

/** Refuses a machine that is not in the cluster, and the last manager (the swarm would have no one to run it). */
export function checkRemoveNode(config: ClusterConfig, machine: string): void {
  if (!config.managers.includes(machine) && !config.workers.includes(machine)) {
    throw new UserError(`Machine "${machine}" is not in cluster "${config.name}".`, `Its nodes: ${[...config.managers, ...config.workers].join(", ")}.`);
  }
  if (config.managers.length === 1 && config.managers[0] === machine) {
    throw new UserError(`"${machine}" is the last manager of cluster "${config.name}": without a manager the swarm cannot be run.`, `Add another manager first (\`fdock cluster add ${config.name} --manager MACHINE\`), or remove the whole cluster with \`fdock cluster rm ${config.name}\`.`);
  }
}

export async function removeNode(name: string, machine: string, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<ClusterConfig> {
  const store = new ClusterStore(env);
  const config = store.load(name);
  checkRemoveNode(config, machine);
  const wasManager = config.managers.includes(machine);
  // Through another manager: the one leaving cannot remove itself from the list.
  const manager = await step(reporter, "manager", `reaching a manager of ${name}`, () => firstManager({ ...config, managers: config.managers.filter((m) => m !== machine) }, env));
  try {
    const record = await nodeOfMachine(manager, machine);
    if (record) {
      if (wasManager) await step(reporter, "demote", `demoting ${machine} to a worker`, () => updateNode(manager, record.ID, (spec) => ({ ...spec, Role: "worker" })));
      await step(reporter, "drain", `draining ${machine} (its tasks move to the other nodes)`, () => drainNode(manager, record.ID, machine));
    }
    await step(reporter, "leave", `${machine} leaves the swarm`, async () => {
      const node = await openNode(machine, env);
      try {
        await leaveSwarm(node, wasManager);
      } finally {
        node.close();
      }
    });
    if (config.securityGroup) await step(reporter, "ports", `taking ${machine} out of the cluster's security group`, () => leavePorts(config.securityGroup, machine, env));
    if (record) await step(reporter, "forget", `removing ${machine} from the swarm's node list`, () => removeNodeRecord(manager, record.ID));
  } finally {
    manager.close();
  }
  const updated = { ...config, managers: config.managers.filter((m) => m !== machine), workers: config.workers.filter((m) => m !== machine) };
  store.save(updated);
  return updated;
}
