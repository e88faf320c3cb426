/** `fdock cluster remove-node`: drain a node, then take it out of the swarm. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerClusterRemoveNode(cluster: Command): void {
  cluster.command("remove-node").description("drain a node (its tasks move to the others), then take it out of the swarm; the machine stays")
    .argument("<name>", "the cluster").argument("<machine>", "the node's machine")
    .addHelpText("after", "\nExample:\n  fdock cluster remove-node c1 m3")
    .action(action(runRemoveNode));
}

async function runRemoveNode(g: GlobalOptions, name: string, machine: string): Promise<number> {
  const { removeNode } = await import("../../../core/cluster/remove-node.js");
  return withReporter(g, async (reporter) => {
    const config = await removeNode(name, machine, process.env, reporter);
    await reporter.flush();
    if (g.json) return printJson(config);
    out(`Removed ${machine} from cluster ${name}; the machine is still there (\`fdock env ${machine}\`).\n`);
  });
}
