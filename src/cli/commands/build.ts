/** `fdock build`: the gunicorn and nginx images, on the local engine. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import type { GlobalOptions } from "../options.js";
import { printJson } from "../output.js";
import { outputSink } from "../reporters.js";

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("build the gunicorn and nginx images")
    .addHelpText("after", "\nExample:\n  fdock build")
    .action(action(runBuild));
}

async function runBuild(g: GlobalOptions): Promise<number> {
  const { buildHere } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async (reporter) => {
    await buildHere({ dir: resolve(g.projectDir), env: process.env, onOutput: outputSink(g, reporter) }, reporter);
    if (g.json) printJson({ built: true });
  });
}
