/** `fdock machine ip`: a machine's IP address. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions } from "../../options.js";
import { out } from "../../output.js";

export function registerIp(machine: Command): void {
  machine.command("ip").description("print a machine's IP address").argument("<name>")
    .addHelpText("after", "\nExample:\n  curl http://$(fdock machine ip web)/")
    .action(action(runIp));
}

async function runIp(g: GlobalOptions, name: string): Promise<number> {
  const { machineIp } = await import("../../../core/machine/describe.js");
  return withReporter(g, async (reporter) => out(`${await machineIp(name, process.env, reporter)}\n`));
}
