/**
 * The engines of a cluster's nodes, checked before a deploy: each at least fdock's minimum, and
 * all close enough to one another that one stack file suits every node. The stack is rendered for
 * the oldest of them. Pure.
 */
import { PrecheckError } from "../../errors.js";
import { engineCapabilities, isSupportedEngine, MIN_ENGINE_VERSION, type EngineCapabilities } from "../../engine/capabilities.js";

/** One node's engine, as it answered `docker version`. */
export interface NodeEngine {
  machine: string;
  /** "26.1.5+dfsg1" */
  version: string;
  /** The Engine API version it speaks ("1.45"). */
  apiVersion: string;
}

/**
 * How far apart (in Engine API minor versions, about one per Engine release) the nodes' engines
 * may be. Swarm keeps working across an upgrade in progress (managers first, then workers, one
 * release at a time); nodes further apart than that run tasks with settings the other side does
 * not know.
 */
export const MAX_API_SPREAD = 2;

const apiMinor = (api: string): number | null => {
  const m = /^1\.(\d+)$/.exec(api.trim());
  return m ? Number(m[1]) : null;
};

const named = (nodes: NodeEngine[]) => nodes.map((n) => `${n.machine} (Engine ${n.version}, API ${n.apiVersion})`).join(", ");

/**
 * Refuses a cluster with an engine below fdock's minimum, or with engines more than MAX_API_SPREAD
 * API versions apart, naming the nodes; otherwise the capabilities of its oldest engine.
 */
export function checkClusterEngines(cluster: string, nodes: NodeEngine[]): EngineCapabilities {
  const old = nodes.filter((n) => !isSupportedEngine(n.version));
  if (old.length) {
    throw new PrecheckError(
      `Cluster ${cluster}: ${old.length === 1 ? "the engine of machine" : "the engines of machines"} ${named(old)} ${old.length === 1 ? "is" : "are"} older than Docker Engine ${MIN_ENGINE_VERSION}, the oldest fdock supports.`,
      `Upgrade Docker there (\`fdock machine provision ${old[0]!.machine}\` installs the newest engine its package sources offer), then deploy again. Nothing was changed on the cluster.`,
    );
  }
  const known = nodes.filter((n) => apiMinor(n.apiVersion) !== null).sort((a, b) => apiMinor(a.apiVersion)! - apiMinor(b.apiVersion)!);
  const oldest = known[0];
  // The first node (in the cluster's order) of the newest release.
  const newest = known.find((n) => apiMinor(n.apiVersion) === apiMinor(known[known.length - 1]!.apiVersion));
  if (oldest && newest && apiMinor(newest.apiVersion)! - apiMinor(oldest.apiVersion)! > MAX_API_SPREAD) {
    const behind = known.filter((n) => apiMinor(newest.apiVersion)! - apiMinor(n.apiVersion)! > MAX_API_SPREAD);
    throw new PrecheckError(
      `Cluster ${cluster}: the nodes' engines are too far apart for one stack: ${named(behind)} against ${named([newest])}.`,
      `Upgrade Docker on ${behind.map((n) => n.machine).join(", ")} (\`fdock machine provision NAME\`) so that every node runs the same release or the one before it, then deploy again. Nothing was changed on the cluster.`,
    );
  }
  return engineCapabilities((oldest ?? nodes[0])?.version ?? "unknown");
}
