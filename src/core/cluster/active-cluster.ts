/**
 * The cluster a bare `--remote` means. `fdock use CLUSTER` points Docker at a manager's machine and
 * remembers here (FDOCK_HOME/active-cluster.json) that the cluster was chosen; `fdock env CLUSTER`
 * exports FDOCK_CLUSTER_NAME beside FDOCK_MACHINE_NAME. Either counts only while Docker still
 * points at that cluster's manager: `fdock use web` or `fdock env web` afterwards means machine web.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { activeMachine } from "../machine/active.js";
import { writeFileAtomic } from "../machine/atomic-file.js";
import { fdockHome } from "../machine/paths.js";
import { ClusterStore } from "./store.js";

/** The variable `fdock env CLUSTER` exports, naming the cluster whose manager FDOCK_MACHINE_NAME is. */
export const CLUSTER_ENV = "FDOCK_CLUSTER_NAME";

const usedFile = (env: NodeJS.ProcessEnv) => join(fdockHome(env), "active-cluster.json");

/** After `fdock use`: the cluster chosen (its manager's machine now the context), or null for a machine or the default. */
export function rememberUsedCluster(cluster: string | null, machine: string | null, env: NodeJS.ProcessEnv): void {
  if (cluster && machine) writeFileAtomic(usedFile(env), JSON.stringify({ cluster, machine }) + "\n");
  else rmSync(usedFile(env), { force: true });
}

function usedCluster(env: NodeJS.ProcessEnv): { cluster?: string; machine?: string } {
  if (!existsSync(usedFile(env))) return {};
  try {
    return JSON.parse(readFileSync(usedFile(env), "utf8")) as { cluster?: string; machine?: string };
  } catch {
    return {};
  }
}

/** The active cluster, if Docker points at the manager of the cluster `fdock use`/`fdock env` chose; else undefined. */
export function activeCluster(env: NodeJS.ProcessEnv): { cluster: string; machine: string } | undefined {
  const active = activeMachine(env);
  if (!active.name) return undefined;
  const chosen = active.source === "docker context use" ? usedCluster(env) : { cluster: env[CLUSTER_ENV], machine: active.name };
  if (!chosen.cluster || chosen.machine !== active.name) return undefined;
  const store = new ClusterStore(env);
  if (!store.exists(chosen.cluster) || !store.load(chosen.cluster).managers.includes(active.name)) return undefined;
  return { cluster: chosen.cluster, machine: active.name };
}
