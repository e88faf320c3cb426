/** `fdock cluster create`: a swarm initialised on the first manager, the others joined, recorded in the store. */
import { step, type Reporter } from "../events.js";
import { openPorts } from "./cluster-ports.js";
import { checkCreate, type Members } from "./members.js";
import { checkReach, SWARM_PORT } from "./reach.js";
import { ClusterStore, type ClusterConfig } from "./store.js";
import { initSwarm, joinSwarm, labelNode, leaveSwarm, type Role } from "./swarm-ops.js";
import { checkNodesFree, closeAll, openNodes, type SwarmNode } from "./swarm-node.js";

/** Swarm IDs of the clusters fdock knows, to name the cluster a machine is in. */
export function knownSwarms(env: NodeJS.ProcessEnv): Map<string, string> {
  return new Map(new ClusterStore(env).list().map((c) => [c.swarmId, c.name]));
}

/**
 * Joins each node (after checking from each that the first manager's 2377 answers), labels it
 * with its machine's name. On a failure, the nodes that joined leave again (in reverse).
 */
export async function joinAll(first: SwarmNode, joiners: Array<{ node: SwarmNode; role: Role }>, env: NodeJS.ProcessEnv, reporter: Reporter, joined: SwarmNode[]): Promise<void> {
  await step(reporter, "reach", `checking that every machine reaches ${first.machine}'s port ${SWARM_PORT}/tcp`, () =>
    Promise.all(joiners.map(({ node }) => checkReach({ machine: node.machine, address: node.address }, { machine: first.machine, address: first.address }, SWARM_PORT, env, reporter))));
  for (const { node, role } of joiners) {
    await step(reporter, `join-${node.machine}`, `joining ${node.machine} as a ${role}`, async () => {
      const id = await joinSwarm(node, first, role);
      joined.push(node);
      await labelNode(first, id, node.machine);
    });
  }
}

/** Every joined node leaves again, last joined first (managers with force). Failures are reported, not thrown: the first error is what the user needs. */
export async function undoJoins(joined: SwarmNode[], reporter: Reporter): Promise<void> {
  for (const node of [...joined].reverse()) {
    await leaveSwarm(node, true).catch((e: Error) => reporter.emit({ kind: "info", message: `could not undo: ${node.machine} is still in the swarm (${e.message}); run \`docker swarm leave --force\` on it` }));
  }
}

export async function createCluster(name: string, members: Members, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<ClusterConfig> {
  checkCreate(name, members, env);
  const nodes = await step(reporter, "connect", "connecting to the machines' engines", () => openNodes([...members.managers, ...members.workers], env));
  try {
    checkNodesFree(nodes, knownSwarms(env));
    const byName = new Map(nodes.map((n) => [n.machine, n]));
    const first = byName.get(members.managers[0]!)!;
    const joined: SwarmNode[] = [];
    const ports = await openPorts(name, [...members.managers, ...members.workers], undefined, env, reporter);
    try {
      const swarmId = await step(reporter, "init", `initialising the swarm on ${first.machine} (advertising ${first.address})`, async () => {
        const id = await initSwarm(first);
        joined.push(first);
        return id;
      });
      await labelNode(first, first.swarm.NodeID!, first.machine);
      const joiners = [
        ...members.managers.slice(1).map((m) => ({ node: byName.get(m)!, role: "manager" as const })),
        ...members.workers.map((m) => ({ node: byName.get(m)!, role: "worker" as const })),
      ];
      await joinAll(first, joiners, env, reporter, joined);
      const config: ClusterConfig = { version: 1, name, managers: members.managers, workers: members.workers, swarmId, createdAt: new Date().toISOString(), ...(ports.group ? { securityGroup: ports.group } : {}) };
      new ClusterStore(env).save(config);
      return config;
    } catch (e) {
      await undoJoins(joined, reporter);
      await ports.undo().catch((u: Error) => reporter.emit({ kind: "info", message: `could not undo the security group change: ${u.message}` }));
      throw e;
    }
  } finally {
    closeAll(nodes);
  }
}
