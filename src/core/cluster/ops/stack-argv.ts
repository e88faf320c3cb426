/** Argv builders for the stack commands fdock runs on a cluster's manager beside swarm-argv.ts: pure, tested by equality. */
import type { Argv } from "../../exec.js";
import type { ManagerTarget } from "../deploy/swarm-argv.js";

export const stackArgv = {
  /** Removes the stack's services, networks, configs and secrets (Swarm stops the tasks on every node after). Volumes stay. */
  rm: (t: ManagerTarget, stack: string): Argv => ({ file: "docker", args: [...t.dockerArgs, "stack", "rm", stack] }),
};
