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
    .option("--memory <size>", "size workers for this much memory (e.g. 1g) instead of asking the engine")
    .addHelpText("after", "\nExamples:\n  fdock config --production\n  fdock config --production --cpus 2 --memory 1g")
    .action(action(runConfig));
}

async function runConfig(g: GlobalOptions, opts: Options): Promise<number> {
  const { renderedConfig } = await import("../../core/stack/build.js");
  return withReporter(g, async () => {
    const memoryBytes = opts.memory === undefined ? undefined : await memoryOption(String(opts.memory));
    const text = await renderedConfig({ dir: resolve(g.projectDir), mode: opts.production ? "production" : "development", publishHost: "127.0.0.1", cpus: opts.cpus as number | undefined, memoryBytes });
    out(g.json ? JSON.stringify({ compose: text }) + "\n" : text);
  });
}

/** --memory as bytes; parsed here, not by commander, so that `fdock --help` loads no core module. */
async function memoryOption(value: string): Promise<number> {
  const [{ parseMemorySize }, { UserError }] = await Promise.all([import("../../core/project/workers.js"), import("../../core/errors.js")]);
  const bytes = parseMemorySize(value);
  if (bytes === undefined) throw new UserError(`--memory ${value} is not a size.`, "Give a size like 512m, 1g or 1.5g.");
  return bytes;
}
