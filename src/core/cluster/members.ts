/** Checks on the machines named for a cluster, before any engine is asked: pure but for reading the stores. */
import { UserError } from "../errors.js";
import { MachineStore, UnknownMachineError } from "../machine/store.js";
import { ClusterStore, validateClusterName } from "./store.js";

export interface Members {
  managers: string[];
  workers: string[];
}

/** The same machine named twice (in one flag or across --manager and --worker). */
export function duplicates(names: string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

/**
 * The members of a new cluster, checked: at least one manager, every name a stored machine, none
 * named twice, none already in an fdock cluster. `existing` are members the cluster already has
 * (for `cluster add`).
 */
export function checkMembers(members: Members, env: NodeJS.ProcessEnv, existing: Members = { managers: [], workers: [] }, cluster?: string): void {
  const all = [...existing.managers, ...existing.workers, ...members.managers, ...members.workers];
  const twice = duplicates(all);
  if (twice.length) {
    const inCluster = twice.filter((n) => [...existing.managers, ...existing.workers].includes(n));
    if (inCluster.length) throw new UserError(`Machine ${inCluster.join(", ")} is already in cluster "${cluster}".`, `\`fdock cluster inspect ${cluster}\` lists its nodes.`);
    throw new UserError(`Machine ${twice.join(", ")} is named more than once.`, "Name each machine once, as --manager or as --worker.");
  }
  const machines = new MachineStore(env);
  const unknown = [...members.managers, ...members.workers].filter((n) => !machines.exists(n));
  if (unknown.length === 1) throw new UnknownMachineError(unknown[0]!);
  if (unknown.length) throw new UserError(`There are no machines named ${unknown.map((n) => `"${n}"`).join(", ")}.`, "`fdock machine ls` lists the machines; `fdock machine create` makes one.");
  const clusters = new ClusterStore(env);
  for (const name of [...members.managers, ...members.workers]) {
    const other = clusters.clusterOf(name);
    if (other) throw new UserError(`Machine "${name}" is already in cluster "${other.name}".`, `Take it out first with \`fdock cluster remove-node ${other.name} ${name}\` (or \`fdock cluster rm ${other.name}\`).`);
  }
}

/** `cluster create`'s arguments: a valid new name (not a machine's: `fdock env NAME` must mean one thing) and checked members. */
export function checkCreate(name: string, members: Members, env: NodeJS.ProcessEnv): void {
  validateClusterName(name);
  if (new ClusterStore(env).exists(name)) throw new UserError(`A cluster named "${name}" exists already.`, `Choose another name, or remove it with \`fdock cluster rm ${name}\`.`);
  if (new MachineStore(env).exists(name)) throw new UserError(`"${name}" is a machine's name; a cluster needs a name of its own.`, "`fdock env NAME` must mean one thing: choose another name for the cluster (e.g. `c1`).");
  if (!members.managers.length) throw new UserError("A cluster needs at least one manager: --manager MACHINE.", "e.g. `fdock cluster create c1 --manager m1 --worker m2`.");
  checkMembers(members, env);
}
