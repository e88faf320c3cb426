/** `fdock machine scp`: copy files to or from a machine (NAME:PATH). */
import type { Command } from "commander";
import { action } from "../../command-action.js";
import { exitCodeOf } from "../../exit-code.js";
import type { GlobalOptions, Options } from "../../options.js";

export function registerScp(machine: Command): void {
  machine.command("scp").description("copy files to or from a machine (NAME:PATH)").argument("<from>").argument("<to>")
    .option("-r, --recursive", "copy folders", false)
    .addHelpText("after", "\nExample:\n  fdock machine scp ./backup.sql web:/tmp/")
    .action(action(runScp));
}

/** No reporter: scp shows its own progress; its exit code is the command's. */
async function runScp(g: GlobalOptions, from: string, to: string, opts: Options): Promise<number> {
  return exitCodeOf(g, async () => (await import("../../../core/machine/ssh-commands.js")).machineScp(from, to, { recursive: Boolean(opts.recursive) }, process.env));
}
