/** `fdock cluster add`: join more machines to a cluster. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import { collect, type GlobalOptions, type Options } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerClusterAdd(cluster: Command): void {
  cluster.command("add").description("join machines to a cluster as workers or managers")
    .argument("<name>", "the cluster")
    .option("--manager <machine>", "a machine to join as a manager (repeatable)", collect)
    .option("--worker <machine>", "a machine to join as a worker (repeatable)", collect)
    .addHelpText("after", "\nExample:\n  fdock cluster add c1 --worker m4")
    .action(action(runAdd));
}

async function runAdd(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { UserError } = await import("../../../core/errors.js");
  const { addToCluster } = await import("../../../core/cluster/add.js");
  return withReporter(g, async (reporter) => {
    const members = { managers: (opts.manager as string[] | undefined) ?? [], workers: (opts.worker as string[] | undefined) ?? [] };
    if (!members.managers.length && !members.workers.length) throw new UserError("Which machines? `fdock cluster add NAME --worker MACHINE` (or --manager MACHINE).", "`fdock machine ls` lists the machines.");
    const config = await addToCluster(name, members, process.env, reporter);
    await reporter.flush();
    if (g.json) return printJson(config);
    out(`Added ${[...members.managers, ...members.workers].join(", ")} to cluster ${name}.\n`);
  });
}
