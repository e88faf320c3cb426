/** `fdock machine start|stop|restart|kill`: a machine's power, where its driver can. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import type { GlobalOptions } from "../../options.js";

const VERBS = ["start", "stop", "restart", "kill"] as const;

export function registerPower(machine: Command): void {
  for (const verb of VERBS) {
    machine.command(verb).description(`${verb} a machine (where its driver can)`).argument("<name>")
      .addHelpText("after", `\nExample:\n  fdock machine ${verb} web`)
      .action(action(async (g: GlobalOptions, name: string) => {
        const { powerMachine } = await import("../../../core/machine/power.js");
        return withReporter(g, (reporter) => powerMachine(name, verb, process.env, reporter));
      }));
  }
}
