/** `fdock down`: stop and remove the app's containers and networks; with -v, its volumes too. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out, printJson } from "../output.js";
import { confirm } from "../prompt.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerDown(program: Command): void {
  program
    .command("down")
    .description("stop and remove the app's containers and networks")
    .option("-v, --volumes", "also delete the named volumes (the app's persistent data); asks first", false)
    .option("-y, --yes", "with -v: delete the data without asking (needed where nobody can answer: CI, no terminal)", false)
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock down\n  fdock down -v --yes   # also delete the app's data")
    .action(action(runDown));
}

async function runDown(g: GlobalOptions, opts: Options): Promise<number> {
  const { downOn } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async (reporter) => {
    const volumes = Boolean(opts.volumes);
    // A question only where someone can answer it: a terminal, not CI.
    const interactive = process.stdin.isTTY && process.stderr.isTTY && !process.env.CI && !g.json;
    const done = await downOn(
      { dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, volumes, yes: Boolean(opts.yes), confirm: interactive ? confirm : undefined },
      reporter,
    );
    await reporter.flush();
    if (g.json) return printJson({ down: done, volumesRemoved: done && volumes });
    if (!done) out("Nothing was removed.\n");
  });
}
