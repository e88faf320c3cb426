/** `fdock restore FILE`: a backup's data back into the running app; asks first. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { withInterrupt } from "../interrupt.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out, printJson } from "../output.js";
import { confirm } from "../prompt.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerRestore(program: Command): void {
  program
    .command("restore")
    .description("replace the running app's data with a backup's (asks first); its web and process containers stop meanwhile")
    .argument("<file>", "a file written by `fdock backup`")
    .option("-y, --yes", "restore without asking (needed where nobody can answer: CI, no terminal)", false)
    .option("--from-app <name>", "restore a backup of another app (its name in fdock.yaml) into this one")
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock restore blog-20250102T030405Z.fdock-backup\n  fdock restore blog.fdock-backup --remote web --yes")
    .action(action(runRestore));
}

async function runRestore(g: GlobalOptions, file: string, opts: Options): Promise<number> {
  const { restoreOn } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async (reporter) => {
    // A question only where someone can answer it: a terminal, not CI.
    const interactive = process.stdin.isTTY && process.stderr.isTTY && !process.env.CI && !g.json;
    const request = {
      dir: resolve(g.projectDir),
      remote: opts.remote as RemoteChoice,
      env: process.env,
      file: resolve(file),
      yes: Boolean(opts.yes),
      confirm: interactive ? confirm : undefined,
      fromApp: opts.fromApp as string | undefined,
    };
    const result = await withInterrupt(
      reporter,
      { first: "finishing the restore step in flight, then starting the app's containers again.", second: "The app's web and process containers may be left stopped: `fdock up` starts them again." },
      (signal) => restoreOn(request, reporter, signal),
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    if (!result.restored) return out("Nothing was changed.\n");
    const what = [...(result.postgres ? ["the database"] : []), ...result.paths].join(", ");
    out(`Restored ${what || "nothing"} into ${result.app}${result.restarted.length ? `; ${[...new Set(result.restarted)].join(", ")} started again` : ""}.\n`);
  });
}
