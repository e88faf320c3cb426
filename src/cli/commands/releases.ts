/** `fdock releases`: the app's releases on the engine, newest first. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out, printJson, printTable } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerReleases(program: Command): void {
  program
    .command("releases")
    .description("list the app's releases on the engine (the last 5 production deploys), newest first")
    .addOption(remoteOption())
    .addHelpText("after", "\nExample:\n  fdock releases --remote web")
    .action(action(runReleases));
}

const shortImage = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

async function runReleases(g: GlobalOptions, opts: Options): Promise<number> {
  const { releasesOn } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async () => {
    const releases = await releasesOn({ dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env });
    if (g.json) return printJson(releases);
    if (releases.length === 0) return out("No releases yet: each successful `fdock up --production` (or --remote) records one.\n");
    printTable([["", "RELEASE", "DEPLOYED", "COMMIT", "GUNICORN IMAGE", "NGINX IMAGE"], ...releases.map((r) => [
      r.current ? "*" : "", r.id, r.time.replace(/\.\d+Z$/, "Z"), r.commit ?? "-", shortImage(r.images.gunicorn), shortImage(r.images.nginx),
    ])], 2);
  });
}
