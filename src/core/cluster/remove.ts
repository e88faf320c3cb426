/** `fdock cluster rm`: every node leaves, the swarm is gone; the machines stay as they were, usable alone. */
import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { closePorts } from "./cluster-ports.js";
import { ClusterStore } from "./store.js";
import { leaveSwarm } from "./swarm-ops.js";
import { openNode } from "./swarm-node.js";

export interface RemovedCluster {
  name: string;
  left: string[];
  /** Machines that could not be reached (kept only with --force). */
  unreachable: Array<{ machine: string; error: string }>;
}

/** Workers leave first, then the managers, the first one last (it holds the swarm until the end). */
export async function removeCluster(name: string, opts: { force: boolean }, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<RemovedCluster> {
  const store = new ClusterStore(env);
  const config = store.load(name);
  const order = [...config.workers, ...[...config.managers].reverse()];
  const left: string[] = [];
  const unreachable: RemovedCluster["unreachable"] = [];
  for (const machine of order) {
    try {
      await step(reporter, `leave-${machine}`, `${machine} leaves the swarm`, async () => {
        const node = await openNode(machine, env);
        try {
          // Force: a manager may leave a swarm it keeps quorum for, since every node is going.
          await leaveSwarm(node, true);
        } finally {
          node.close();
        }
      });
      left.push(machine);
    } catch (e) {
      unreachable.push({ machine, error: (e as Error).message });
    }
  }
  if (unreachable.length && !opts.force) {
    throw new UserError(
      `Cluster "${name}" is not removed: ${unreachable.map((u) => `${u.machine} (${u.error})`).join("; ")}.`,
      `Bring ${unreachable.length > 1 ? "those machines" : "that machine"} back and run \`fdock cluster rm ${name}\` again, or \`fdock cluster rm --force ${name}\` to forget the cluster anyway (then run \`docker swarm leave --force\` on ${unreachable.map((u) => u.machine).join(", ")} when you can).`,
    );
  }
  try {
    await closePorts(config.securityGroup, [...config.managers, ...config.workers], env, reporter);
  } catch (e) {
    if (!opts.force) throw new UserError(`Cluster "${name}" left the swarm, but its security group ${config.securityGroup?.id} could not be deleted (${(e as Error).message}).`, `Run \`fdock cluster rm ${name}\` again, or \`--force\` to forget it (then delete the group in the EC2 console).`);
    unreachable.push({ machine: `security group ${config.securityGroup?.id}`, error: (e as Error).message });
  }
  store.remove(name);
  return { name, left, unreachable };
}
