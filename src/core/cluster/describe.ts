/** What `fdock cluster ls` and `inspect` report: the store's members and the swarm's nodes as a manager lists them. */
import { firstManager } from "./manager.js";
import { ClusterStore, type ClusterConfig } from "./store.js";
import { listNodes, MACHINE_LABEL } from "./swarm-ops.js";

export interface ClusterRow {
  name: string;
  managers: string[];
  workers: string[];
  /** "3/3 ready", or why no manager answers. */
  state: string;
}

export interface NodeRow {
  machine: string;
  role: string;
  leader: boolean;
  availability: string;
  state: string;
  address: string;
  engineVersion: string;
}

export interface ClusterDetails extends ClusterConfig {
  /** The manager that answered. */
  via: string;
  nodes: NodeRow[];
}

/** The nodes of a cluster as its first answering manager lists them, named by their fdock machine. */
export async function inspectCluster(name: string, env: NodeJS.ProcessEnv): Promise<ClusterDetails> {
  const config = new ClusterStore(env).load(name);
  const manager = await firstManager(config, env);
  try {
    const nodes = (await listNodes(manager)).map((n) => ({
      machine: n.Spec.Labels?.[MACHINE_LABEL] ?? n.Description?.Hostname ?? n.ID,
      role: n.Spec.Role,
      leader: Boolean(n.ManagerStatus?.Leader),
      availability: n.Spec.Availability,
      state: n.Status?.State ?? "unknown",
      address: n.Status?.Addr ?? "",
      engineVersion: n.Description?.Engine?.EngineVersion ?? "",
    }));
    const order = [...config.managers, ...config.workers];
    nodes.sort((a, b) => (order.indexOf(a.machine) + 1 || 1e9) - (order.indexOf(b.machine) + 1 || 1e9));
    return { ...config, via: manager.machine, nodes };
  } finally {
    manager.close();
  }
}

/** Every cluster, with how many of its nodes are ready (asked of each cluster's managers in parallel). */
export async function listClusters(env: NodeJS.ProcessEnv): Promise<ClusterRow[]> {
  return Promise.all(new ClusterStore(env).list().map(async (c) => {
    let state: string;
    try {
      const { nodes } = await inspectCluster(c.name, env);
      state = `${nodes.filter((n) => n.state === "ready").length}/${nodes.length} ready`;
    } catch (e) {
      state = `unreachable: ${(e as Error).message}`;
    }
    return { name: c.name, managers: c.managers, workers: c.workers, state };
  }));
}
