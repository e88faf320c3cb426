/** `fdock exec SERVICE -- CMD…`: a command in a running container of the app; its exit code is fdock's. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { exitCodeOf } from "../exit-code.js";
import { leavingCtrlCToChild } from "../interrupt.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerExec(program: Command): void {
  program
    .command("exec")
    .description("run a command in a running container of the app")
    .argument("<service>", "gunicorn, nginx, front, postgres, redis or a process's name")
    .argument("<command...>", "the command and its arguments (after --)")
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock exec gunicorn -- python -V\n  fdock exec nginx -- nginx -T\n  fdock exec --remote web gunicorn -- sh")
    .action(action(runExec));
}

/** No reporter: the command owns the terminal; its exit code is fdock's. */
async function runExec(g: GlobalOptions, service: string, command: string[], opts: Options): Promise<number> {
  return exitCodeOf(g, async () => {
    const { execIn } = await import("../../core/stack/exec-in.js");
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    return leavingCtrlCToChild(() => execIn({ dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, service, command, tty }));
  });
}
