/** `fdock logs`: the app's logs, as they come with -f. */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { positiveNumber, remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("show the app's logs")
    .argument("[service...]", "gunicorn, nginx (default: both; on a cluster, every service of the stack)")
    .option("-f, --follow", "keep printing new lines", false)
    .addOption(new Option("-n, --tail <lines>", "only the last N lines of each").argParser(positiveNumber))
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock logs -f gunicorn\n  fdock logs --remote c1 --tail 20   # each line names its task and machine")
    .action(action(runLogs));
}

async function runLogs(g: GlobalOptions, services: string[], opts: Options): Promise<number> {
  const { logsOn } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, () =>
    logsOn({ dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, services, follow: Boolean(opts.follow), tail: opts.tail as number | undefined }, out),
  );
}
