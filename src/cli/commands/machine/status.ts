/** `fdock machine status`: a machine's state as its driver sees it. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerStatus(machine: Command): void {
  machine.command("status").description("print a machine's state").argument("<name>")
    .addHelpText("after", "\nExample:\n  fdock machine status web")
    .action(action(runStatus));
}

async function runStatus(g: GlobalOptions, name: string): Promise<number> {
  const { machineStatus } = await import("../../../core/machine/describe.js");
  return withReporter(g, async () => {
    const { state, config } = await machineStatus(name, process.env);
    if (g.json) return printJson({ name, state, config });
    out(`${state}\n`);
  });
}
