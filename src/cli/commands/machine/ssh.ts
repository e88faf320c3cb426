/** `fdock machine ssh`: log in, or run a command, over SSH with the host key checked. */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { exitCodeOf } from "../../exit-code.js";
import type { GlobalOptions } from "../../options.js";

export function registerSsh(machine: Command): void {
  machine.command("ssh").description("log in, or run a command, over SSH (host key checked)").argument("<name>").argument("[command...]", "a command to run (after --)")
    .addHelpText("after", "\nExamples:\n  fdock machine ssh web\n  fdock machine ssh web -- docker ps")
    .action(action(runSsh));
}

/** No reporter: ssh owns the terminal; its exit code is the command's. */
async function runSsh(g: GlobalOptions, name: string, command: string[]): Promise<number> {
  return exitCodeOf(g, async () => (await import("../../../core/machine/ssh-commands.js")).machineSsh(name, command, process.env));
}
