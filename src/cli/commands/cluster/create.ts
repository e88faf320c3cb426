/** `fdock cluster create`: a swarm initialised on the first manager, the other machines joined. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import { collect, type GlobalOptions, type Options } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerClusterCreate(cluster: Command): void {
  cluster.command("create").description("make a Docker Swarm cluster of machines: the first --manager initialises it, the others join")
    .argument("<name>", "cluster name: letters, digits, dots, dashes")
    .option("--manager <machine>", "a machine that manages the swarm (repeat for more; the first initialises it)", collect)
    .option("--worker <machine>", "a machine that runs tasks (repeat for more)", collect)
    .addHelpText("after", "\nExample:\n  fdock cluster create c1 --manager m1 --worker m2 --worker m3")
    .action(action(runCreate));
}

async function runCreate(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { createCluster } = await import("../../../core/cluster/create.js");
  return withReporter(g, async (reporter) => {
    const config = await createCluster(name, { managers: (opts.manager as string[] | undefined) ?? [], workers: (opts.worker as string[] | undefined) ?? [] }, process.env, reporter);
    await reporter.flush();
    if (g.json) return printJson(config);
    out(`Cluster ${name} is ready: managers ${config.managers.join(", ")}${config.workers.length ? `; workers ${config.workers.join(", ")}` : ""}. \`fdock cluster inspect ${name}\` shows its nodes.\n`);
  });
}
