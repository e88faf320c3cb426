/** `fdock cluster rm`: every node leaves the swarm; the machines stay. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions, Options } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerClusterRm(cluster: Command): void {
  cluster.command("rm").description("remove a cluster: every node leaves the swarm; the machines stay intact")
    .argument("<name>")
    .option("-f, --force", "forget the cluster even when some machines cannot be reached", false)
    .addHelpText("after", "\nExample:\n  fdock cluster rm c1")
    .action(action(runRm));
}

async function runRm(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { removeCluster } = await import("../../../core/cluster/remove.js");
  return withReporter(g, async (reporter) => {
    const result = await removeCluster(name, { force: Boolean(opts.force) }, process.env, reporter);
    await reporter.flush();
    if (g.json) return printJson(result);
    out(`Removed cluster ${name}: ${result.left.join(", ")} left the swarm; the machines are intact.\n`);
    if (result.unreachable.length) process.stderr.write(`warning: not reached, still in the swarm: ${result.unreachable.map((u) => u.machine).join(", ")} (run \`docker swarm leave --force\` there)\n`);
  });
}
