/** `fdock active`: the machine Docker points at (from the environment or `fdock use`). */
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import type { GlobalOptions } from "../options.js";
import { out, printJson } from "../output.js";

export function registerActive(program: Command): void {
  program.command("active").description("print the active machine (from the environment or `fdock use`)")
    .addHelpText("after", "\nExample:\n  fdock active")
    .action(action(runActive));
}

async function runActive(g: GlobalOptions): Promise<number> {
  const { UserError } = await import("../../core/errors.js");
  const { activeMachine } = await import("../../core/machine/active.js");
  return withReporter(g, async () => {
    const a = activeMachine(process.env);
    const { activeCluster } = await import("../../core/cluster/active-cluster.js");
    const cluster = activeCluster(process.env)?.cluster;
    if (g.json) return printJson(cluster ? { ...a, cluster } : a);
    if (!a.name) throw new UserError(a.source === "DOCKER_HOST" ? `No machine is active: DOCKER_HOST (${process.env.DOCKER_HOST}) points Docker elsewhere.` : "No machine is active.", 'Make one active with `eval "$(fdock env NAME)"` or `fdock use NAME`.');
    out(`${a.name}\n`);
    if (cluster) process.stderr.write(`(the manager of cluster ${cluster}: a bare --remote means the cluster)\n`);
  });
}
