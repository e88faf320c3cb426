/** `fdock cluster …`: Docker Swarm clusters made of fdock machines, one file per verb under cluster/. */
import type { Command } from "commander";
import { registerClusterAdd } from "./cluster/add.js";
import { registerClusterCreate } from "./cluster/create.js";
import { registerClusterInspect } from "./cluster/inspect.js";
import { registerClusterLs } from "./cluster/ls.js";
import { registerClusterRemoveNode } from "./cluster/remove-node.js";
import { registerClusterRm } from "./cluster/rm.js";

export function registerCluster(program: Command): void {
  const cluster = program
    .command("cluster")
    .description("make Docker Swarm clusters from machines: create, ls, inspect, add, remove-node, rm")
    .addHelpText("after", "\nExample:\n  fdock cluster create c1 --manager m1 --worker m2 --worker m3\n  fdock cluster inspect c1\n  eval \"$(fdock env c1)\"");
  for (const register of [registerClusterCreate, registerClusterLs, registerClusterInspect, registerClusterAdd, registerClusterRemoveNode, registerClusterRm]) {
    register(cluster);
  }
}
