/** `fdock run -- CMD…`: a command in a new container of the app (`heroku run`); its exit code is fdock's. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { exitCodeOf } from "../exit-code.js";
import { leavingCtrlCToChild } from "../interrupt.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a command in a new container of the app, removed after")
    .argument("<command...>", "the command and its arguments (after --)")
    .option("--production", "in the production image and volumes (default here: development, unless production runs)", false)
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock run -- flask shell\n  fdock run -- flask db upgrade\n  fdock run --remote web -- python -m flask_blog.release")
    .action(action(runRun));
}

/** No reporter: the command owns the terminal; its exit code is fdock's. */
async function runRun(g: GlobalOptions, command: string[], opts: Options): Promise<number> {
  return exitCodeOf(g, async () => {
    const { runOneOff } = await import("../../core/stack/one-off.js");
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    return leavingCtrlCToChild(
      (interrupted) => runOneOff({ dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, production: Boolean(opts.production), command, tty }, interrupted),
      "passed on to the command; its container is stopped if it has not ended within 10 s.",
    );
  });
}
