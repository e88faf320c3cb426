/** `fdock rollback`: the production stack back to a release, without a gap and without a build. */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { withInterrupt } from "../interrupt.js";
import { portNumber, remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out, printJson } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description("switch the production stack back to a release, without a gap and without a build")
    .argument("[release]", "a release id from `fdock releases` (default: the one before the current one)")
    .addOption(new Option("-p, --port <port>", "the port the stack is published on (as given to `fdock up`)").argParser(portNumber))
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock rollback --remote web\n  fdock rollback 20250101-120000")
    .action(action(runRollback));
}

async function runRollback(g: GlobalOptions, release: string | undefined, opts: Options): Promise<number> {
  const { rollBackTo } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async (reporter) => {
    const result = await withInterrupt(
      reporter,
      { first: "stopping after the current step; the running version keeps serving.", second: "A deploy lock left behind is taken over by the next `fdock up` from this computer." },
      (signal) => rollBackTo(release, { dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, port: opts.port as number | undefined }, reporter, signal),
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    out(`${result.project} is serving release ${result.release.id} at ${result.url}\n`);
  });
}
