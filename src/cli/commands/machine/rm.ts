/** `fdock machine rm`: remove machines (host per driver, Docker context, ssh entry, local state). */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions, Options } from "../../options.js";
import { out, printJson } from "../../output.js";
import { confirm } from "../../prompt.js";

export function registerRm(machine: Command): void {
  machine.command("rm").description("remove machines: the host (per driver), Docker context, ssh entry and local state").argument("<name...>")
    .option("-y, --yes", "do not ask", false)
    .option("-f, --force", "drop the local state even when the host or provider cannot be reached", false)
    .option("--dry-run", "list what would be removed, and remove nothing", false)
    .addHelpText("after", "\nExamples:\n  fdock machine rm --dry-run web\n  fdock machine rm -y web")
    .action(action(runRm));
}

async function runRm(g: GlobalOptions, names: string[], opts: Options): Promise<number> {
  const { removeMachines } = await import("../../../core/machine/remove-machines.js");
  return withReporter(g, async (reporter) => {
    const dryRun = Boolean(opts.dryRun);
    // A question only where someone can answer it: a terminal, not CI.
    const interactive = process.stdin.isTTY && !process.env.CI;
    const results = await removeMachines(names, { yes: Boolean(opts.yes), force: Boolean(opts.force), dryRun, confirm: interactive ? confirm : undefined }, process.env, reporter);
    if (!results) return;
    await reporter.flush();
    if (g.json) return printJson(results);
    for (const r of results) out(`${dryRun ? "Would remove" : "Removed"} ${r.name}: ${r.removed.join("; ")}\n`);
  });
}
