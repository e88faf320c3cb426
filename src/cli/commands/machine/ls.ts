/** `fdock machine ls`: every machine with its state now. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions, Options } from "../../options.js";
import { printJson, printTable } from "../../output.js";

export function registerLs(machine: Command): void {
  machine.command("ls").description("list machines: NAME, ACTIVE, DRIVER, STATE, URL, DOCKER")
    .option("--json", "print JSON").addHelpText("after", "\nExample:\n  fdock machine ls")
    .action(action(runLs));
}

async function runLs(g: GlobalOptions, opts: Options): Promise<number> {
  const { listMachines } = await import("../../../core/machine/describe.js");
  return withReporter(g, async () => {
    const rows = await listMachines(process.env);
    if (g.json || opts.json) return printJson(rows);
    printTable([["NAME", "ACTIVE", "DRIVER", "STATE", "URL", "DOCKER"], ...rows.map((r) => [r.name, r.active ? "*" : "-", r.driver, r.state, r.url || "-", r.docker || "-"])]);
  });
}
