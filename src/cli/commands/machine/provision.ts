/** `fdock machine provision`: install and start Docker on a machine if missing (safe to repeat). */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import { sshTimeoutOption, type GlobalOptions, type Options } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerProvision(machine: Command): void {
  machine.command("provision").description("install and start Docker on the machine if missing (safe to repeat)").argument("<name>")
    .addHelpText("after", "\nExample:\n  fdock machine provision web")
    .addOption(sshTimeoutOption())
    .action(action(runProvision));
}

async function runProvision(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { reprovisionMachine } = await import("../../../core/machine/reprovision.js");
  return withReporter(g, async (reporter) => {
    await reprovisionMachine(name, { sshTimeout: opts.sshTimeout as number }, process.env, reporter);
    await reporter.flush();
    if (g.json) return printJson({ name, state: "ready" });
    out(`Machine ${name} is ready.\n`);
  });
}
