/** `fdock cluster inspect`: a cluster's nodes as a manager sees them. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions, Options } from "../../options.js";
import { out, printJson, printTable } from "../../output.js";

export function registerClusterInspect(cluster: Command): void {
  cluster.command("inspect").description("show a cluster's nodes: MACHINE, ROLE, AVAILABILITY, STATE, ENGINE").argument("<name>")
    .option("--json", "print JSON").addHelpText("after", "\nExample:\n  fdock cluster inspect c1")
    .action(action(runInspect));
}

async function runInspect(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { inspectCluster } = await import("../../../core/cluster/describe.js");
  return withReporter(g, async () => {
    const details = await inspectCluster(name, process.env);
    if (g.json || opts.json) return printJson(details);
    out(`Cluster ${details.name} (swarm ${details.swarmId}, asked ${details.via})\n`);
    printTable([["MACHINE", "ROLE", "AVAILABILITY", "STATE", "ADDRESS", "ENGINE"], ...details.nodes.map((n) => [n.machine, n.role + (n.leader ? " (leader)" : ""), n.availability, n.state, n.address || "-", n.engineVersion || "-"])]);
  });
}
