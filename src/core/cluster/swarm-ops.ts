/**
 * The Swarm API calls a cluster is made of, through dockerode over each machine's SSH connection.
 * Join tokens travel in API bodies only: never printed, logged or put on a command line.
 */
import { UserError } from "../errors.js";
import { SWARM_PORT } from "./reach.js";
import { refreshSwarm, type SwarmNode } from "./swarm-node.js";

/** The label that names a node's fdock machine. */
export const MACHINE_LABEL = "fdock.machine";

export type Role = "manager" | "worker";

/** A node as a manager lists it (the parts fdock reads). */
export interface NodeRecord {
  ID: string;
  Version: { Index: number };
  Spec: { Role: Role; Availability: string; Labels?: Record<string, string>; Name?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

/** The engine's own words for a refused API call (docker-modem puts its JSON body in `json`), any join token in them masked. */
export function engineMessage(e: unknown): string {
  const err = e as { json?: { message?: string }; message?: string };
  return (err.json?.message ?? err.message ?? String(e)).trim().replace(/SWMTKN-[A-Za-z0-9-]+/g, "SWMTKN-…");
}

/** Runs one Swarm API call; an engine's refusal becomes a UserError naming what was asked of which machine. */
async function swarmCall<T>(what: string, machine: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === undefined) throw e;
    throw new UserError(`${what} on ${machine} failed: ${engineMessage(e)}`, `\`fdock cluster inspect\` shows the nodes as a manager sees them; \`fdock machine ssh ${machine} -- docker info\` shows that machine's swarm state.`);
  }
}

/** `docker swarm init --advertise-addr ADDR` on the first manager; returns the swarm's ID. */
export async function initSwarm(node: SwarmNode): Promise<string> {
  await swarmCall("swarm init", node.machine, () => node.docker.swarmInit({ ListenAddr: `0.0.0.0:${SWARM_PORT}`, AdvertiseAddr: node.address }));
  const swarm = await refreshSwarm(node);
  if (!swarm.Cluster?.ID) throw new Error(`swarm init on ${node.machine} gave no swarm ID`);
  return swarm.Cluster.ID;
}

/** Joins node to the swarm the manager runs, as role; returns its node ID. The token is fetched here and goes straight into the join's body. */
export async function joinSwarm(node: SwarmNode, manager: SwarmNode, role: Role): Promise<string> {
  const inspect = (await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string; Manager: string } };
  const token = role === "manager" ? inspect.JoinTokens.Manager : inspect.JoinTokens.Worker;
  // The token goes into the request body only; the engine's error messages do not repeat it.
  await swarmCall(`joining ${manager.machine}'s swarm`, node.machine, () => node.docker.swarmJoin({ ListenAddr: `0.0.0.0:${SWARM_PORT}`, AdvertiseAddr: node.address, RemoteAddrs: [`${manager.address}:${SWARM_PORT}`], JoinToken: token }));
  const swarm = await refreshSwarm(node);
  if (!swarm.NodeID) throw new Error(`${node.machine} joined but has no node ID`);
  return swarm.NodeID;
}

export async function listNodes(manager: SwarmNode): Promise<NodeRecord[]> {
  return (await manager.docker.listNodes()) as NodeRecord[];
}

/**
 * Changes a node's spec through a manager. The update names the spec's version; Swarm itself
 * also updates nodes (a demotion settling, a state change), so an "update out of sequence" is
 * read again and retried.
 */
export async function updateNode(manager: SwarmNode, id: string, change: (spec: NodeRecord["Spec"]) => NodeRecord["Spec"]): Promise<void> {
  const node = manager.docker.getNode(id);
  for (let attempt = 1; ; attempt++) {
    const current = (await node.inspect()) as NodeRecord;
    try {
      await node.update({ _query: { version: current.Version.Index }, _body: change(current.Spec) });
      return;
    } catch (e) {
      if (attempt >= 10 || !/out of sequence/i.test(engineMessage(e))) return swarmCall("updating a node", manager.machine, () => Promise.reject(e));
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Labels the node with its fdock machine's name. */
export function labelNode(manager: SwarmNode, id: string, machine: string): Promise<void> {
  return updateNode(manager, id, (spec) => ({ ...spec, Labels: { ...spec.Labels, [MACHINE_LABEL]: machine } }));
}

/** The node of an fdock machine, by its label. */
export async function nodeOfMachine(manager: SwarmNode, machine: string): Promise<NodeRecord | undefined> {
  return (await listNodes(manager)).find((n) => n.Spec.Labels?.[MACHINE_LABEL] === machine);
}

/** The tasks Swarm wants running on a node. */
async function tasksOn(manager: SwarmNode, id: string): Promise<Array<{ ID: string; Status?: { State?: string } }>> {
  const tasks = (await manager.docker.listTasks({ filters: JSON.stringify({ node: [id], "desired-state": ["running"] }) })) as Array<{ ID: string; Status?: { State?: string } }>;
  return tasks;
}

/** Drains a node and waits until Swarm has moved its tasks away (none desired running on it). */
export async function drainNode(manager: SwarmNode, id: string, machine: string, timeoutMs = 180_000): Promise<void> {
  await updateNode(manager, id, (spec) => ({ ...spec, Availability: "drain" }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await tasksOn(manager, id);
    if (!left.length) return;
    if (Date.now() > deadline) {
      throw new UserError(`Node ${machine} is drained but ${left.length} task(s) still run on it after ${timeoutMs / 1000} s.`, "See `docker node ps` on a manager; run `fdock cluster remove-node` again once they have moved.");
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The node leaves the swarm (force: a manager leaving, or the last node). */
export async function leaveSwarm(node: SwarmNode, force: boolean): Promise<void> {
  try {
    await node.docker.swarmLeave({ force });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 406) return; // not in a swarm: already gone
    return swarmCall("swarm leave", node.machine, () => Promise.reject(e));
  }
}

/** Waits until the manager sees the node down, then removes it from the manager's list. */
export async function removeNodeRecord(manager: SwarmNode, id: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = (await listNodes(manager)).find((n) => n.ID === id);
    if (!node) return;
    if (node.Status?.State === "down" || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await swarmCall("removing a node from the list", manager.machine, () => manager.docker.getNode(id).remove({ force: true }));
}
