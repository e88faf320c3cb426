/** `fdock cluster ls`: every cluster, its members and how many nodes are ready. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions, Options } from "../../options.js";
import { printJson, printTable } from "../../output.js";

export function registerClusterLs(cluster: Command): void {
  cluster.command("ls").description("list clusters: NAME, MANAGERS, WORKERS, STATE")
    .option("--json", "print JSON").addHelpText("after", "\nExample:\n  fdock cluster ls")
    .action(action(runLs));
}

async function runLs(g: GlobalOptions, opts: Options): Promise<number> {
  const { listClusters } = await import("../../../core/cluster/describe.js");
  return withReporter(g, async () => {
    const rows = await listClusters(process.env);
    if (g.json || opts.json) return printJson(rows);
    printTable([["NAME", "MANAGERS", "WORKERS", "STATE"], ...rows.map((r) => [r.name, r.managers.join(",") || "-", r.workers.join(",") || "-", r.state])]);
  });
}
