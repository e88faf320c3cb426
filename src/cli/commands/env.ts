/** `fdock env`: the exports that point this shell at a machine, or (-u) back at the local engine. */
import { Option, type Command } from "commander";
import { action } from "../command-action.js";
import { exitCodeOf } from "../exit-code.js";
import type { GlobalOptions, Options } from "../options.js";
import { out } from "../output.js";
import type { Shell } from "../../core/machine/active.js";

export function registerEnv(program: Command): void {
  program.command("env").description("print the exports that point this shell's docker, compose and fdock at a machine (or a cluster's manager)")
    .argument("[name]")
    .option("-u, --unset", "print the unsets that point this shell back at the local engine", false)
    .addOption(new Option("--shell <shell>", "shell syntax (default: from $SHELL)").choices(["bash", "zsh", "fish", "powershell"]))
    .addHelpText("after", "\nExamples:\n  eval \"$(fdock env web)\"\n  eval \"$(fdock env -u)\"")
    .action(action(runEnv));
}

/** No reporter: stdout is for `eval`, and nothing here takes long. */
async function runEnv(g: GlobalOptions, name: string | undefined, opts: Options): Promise<number> {
  return exitCodeOf(g, async () => {
    const { UserError } = await import("../../core/errors.js");
    const { detectShell, envScript, unsetScript } = await import("../../core/machine/active.js");
    const shell = (opts.shell as Shell | undefined) ?? detectShell(process.env);
    if (opts.unset) {
      if (name) throw new UserError("`fdock env -u` takes no machine name: it undoes whichever machine this shell points at.", 'Run `eval "$(fdock env -u)"`.');
      return out(unsetScript(shell));
    }
    if (!name) throw new UserError("Which machine? `fdock env NAME`.", "`fdock machine ls` lists them; `fdock env -u` points the shell back at the local engine.");
    const { machineOrClusterManager } = await import("../../core/cluster/target.js");
    const target = await machineOrClusterManager(name, process.env);
    out(envScript(target.machine, shell, process.env, target.cluster));
  });
}
