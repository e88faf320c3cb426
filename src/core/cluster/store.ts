/** The clusters on this workstation: FDOCK_HOME/clusters/NAME.json, written 0600 and atomically like machines. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../machine/atomic-file.js";
import { isValidMachineName } from "../machine/names.js";
import { fdockHome } from "../machine/paths.js";
import type { ClusterGroup } from "./cluster-ports.js";

export const CLUSTER_CONFIG_VERSION = 1;

/** What fdock remembers of a cluster. Never the join tokens: Swarm keeps those, fdock asks a manager when it needs one. */
export interface ClusterConfig {
  version: number;
  name: string;
  /** Machine names; the first one initialised the swarm. */
  managers: string[];
  workers: string[];
  /** Docker's ID of the swarm (`docker info` Swarm.Cluster.ID). */
  swarmId: string;
  createdAt: string;
  /** EC2 members only: the security group that opens the swarm's ports between them. */
  securityGroup?: ClusterGroup;
}

export const clustersDir = (env: NodeJS.ProcessEnv) => join(fdockHome(env), "clusters");

export class UnknownClusterError extends UserError {
  constructor(name: string) {
    super(`There is no cluster named "${name}".`, "`fdock cluster ls` lists the clusters; `fdock cluster create` makes one.");
  }
}

/** Cluster names follow the machine names' rule (they can name a Docker context's target in `fdock env`). */
export function validateClusterName(name: string): string {
  if (!isValidMachineName(name)) {
    throw new UserError(`"${name}" is not a valid cluster name.`, "Use letters, digits, dots and dashes, starting with a letter or digit, at most 63 characters (e.g. `c1`).");
  }
  return name;
}

export class ClusterStore {
  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  path(name: string): string {
    return join(clustersDir(this.env), `${name}.json`);
  }

  exists(name: string): boolean {
    return isValidMachineName(name) && existsSync(this.path(name));
  }

  save(config: ClusterConfig): void {
    validateClusterName(config.name);
    mkdirSync(clustersDir(this.env), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.path(config.name), JSON.stringify(config, null, 2) + "\n");
  }

  load(name: string): ClusterConfig {
    validateClusterName(name);
    if (!this.exists(name)) throw new UnknownClusterError(name);
    const path = this.path(name);
    let data: ClusterConfig;
    try {
      data = JSON.parse(readFileSync(path, "utf8")) as ClusterConfig;
      if (!data || typeof data !== "object" || !Array.isArray(data.managers) || !Array.isArray(data.workers)) throw new Error("not a cluster config");
    } catch (e) {
      throw new UserError(`The config of cluster "${name}" cannot be read (${(e as Error).message}).`, `Look at ${path}.`);
    }
    if (data.version !== CLUSTER_CONFIG_VERSION) {
      throw new UserError(`${path} has config version ${String(data.version)}, which this fdock does not know.`, "It was written by a newer fdock: upgrade fdock.");
    }
    return data;
  }

  /** Every cluster whose file can be read, by name. */
  list(): ClusterConfig[] {
    const dir = clustersDir(this.env);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith(".json") && !f.startsWith("."))
      .map((f) => f.slice(0, -".json".length))
      .sort()
      .flatMap((name) => {
        try {
          return [this.load(name)];
        } catch {
          return [];
        }
      });
  }

  /** The cluster a machine belongs to, if any. */
  clusterOf(machine: string): ClusterConfig | undefined {
    return this.list().find((c) => c.managers.includes(machine) || c.workers.includes(machine));
  }

  remove(name: string): void {
    validateClusterName(name);
    rmSync(this.path(name), { force: true });
  }
}
