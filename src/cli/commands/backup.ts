/** `fdock backup`: the app's data (its database and persistent paths) into one local file. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out, printJson } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("write the app's data (postgres dump, persistent paths) from the running app to a local file")
    .option("-o, --output <file>", "the file to write (default: NAME-TIME.fdock-backup here); never overwritten")
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock backup\n  fdock backup --remote web -o blog.fdock-backup")
    .action(action(runBackup));
}

async function runBackup(g: GlobalOptions, opts: Options): Promise<number> {
  const { backupOn } = await import("../../core/stack/targeted-commands.js");
  const { formatBytes } = await import("../../core/stack/backup.js");
  return withReporter(g, async (reporter) => {
    const result = await backupOn(
      { dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, output: opts.output as string | undefined, cwd: process.cwd() },
      reporter,
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    if (!result.file) {
      out(`${result.app} holds no data to back up: no postgres service${result.absent.length ? `, and its persistent paths (${result.absent.join(", ")}) do not exist yet` : " and no persistent paths in fdock.yaml"}. No file was written.\n`);
      return;
    }
    const parts = [...(result.postgres ? [`database ${formatBytes(result.postgres.bytes)}`] : []), ...result.paths.map((p) => `${p.path} ${formatBytes(p.bytes)}`)];
    out(`Wrote ${result.file} (${formatBytes(result.bytes)}: ${parts.join(", ")}).\n`);
    if (result.absent.length) out(`Not in it (do not exist yet): ${result.absent.join(", ")}.\n`);
    if (result.redis) out(`Redis is not in it: ${result.redis.replace(/^not included: /, "")}.\n`);
    out("Restore it with `fdock restore FILE`.\n");
  });
}
