/** `fdock apps` (or `fdock ls`): the fdock apps on an engine. */
import type { Command } from "commander";
import { action } from "../command-action.js";
import { exitCodeOf } from "../exit-code.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerApps(program: Command): void {
  program
    .command("apps")
    .alias("ls")
    .description("list the fdock apps on the engine: host names, HTTPS, the release that serves, state")
    .addOption(remoteOption())
    .addHelpText("after", "\nExample:\n  fdock apps --remote web")
    .action(action(runApps));
}

async function runApps(g: GlobalOptions, opts: Options): Promise<number> {
  const [{ appsOn }, { appsJson, appsText }] = await Promise.all([import("../../core/stack/apps.js"), import("../edge-tables.js")]);
  return exitCodeOf(g, async () => {
    const result = await appsOn({ remote: opts.remote as RemoteChoice, env: process.env });
    out(g.json ? appsJson(result) : appsText(result));
  });
}
