/** `fdock config`: print the rendered compose file. */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { positiveNumber, type GlobalOptions, type Options } from "../options.js";
import { out } from "../output.js";

export function registerConfig(program: Command): void {
  program
    .command("config")
    .description("print the rendered compose file")
    .option("--production", "render the production topology", false)
    .addOption(new Option("--cpus <n>", "size workers for N CPUs instead of asking the engine").argParser(positiveNumber))
    .addHelpText("after", "\nExample:\n  fdock config --production")
    .action(action(runConfig));
}

async function runConfig(g: GlobalOptions, opts: Options): Promise<number> {
  const { renderedConfig } = await import("../../core/stack/build.js");
  return withReporter(g, async () => {
    const text = await renderedConfig({ dir: resolve(g.projectDir), mode: opts.production ? "production" : "development", publishHost: "127.0.0.1", cpus: opts.cpus as number | undefined });
    out(g.json ? JSON.stringify({ compose: text }) + "\n" : text);
  });
}
