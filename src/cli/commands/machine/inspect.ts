/** `fdock machine inspect`: a machine's details as JSON (no secrets). */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions } from "../../options.js";
import { printJson } from "../../output.js";

export function registerInspect(machine: Command): void {
  machine.command("inspect").description("print a machine's details as JSON (no secrets)").argument("<name>")
    .addHelpText("after", "\nExample:\n  fdock machine inspect web")
    .action(action(runInspect));
}

async function runInspect(g: GlobalOptions, name: string): Promise<number> {
  const { inspectMachine } = await import("../../../core/machine/describe.js");
  return withReporter(g, async () => printJson(await inspectMachine(name, process.env)));
}
