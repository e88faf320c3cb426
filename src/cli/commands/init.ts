/** `fdock init`: look at the app and write fdock.yaml. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import type { GlobalOptions, Options } from "../options.js";
import { out, printJson } from "../output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("look at the app and write fdock.yaml")
    .option("--app <module:callable>", 'the WSGI app, e.g. "main:app" or "flask_blog:create_app()"')
    .option("-y, --yes", "never prompt: take the best guess", false)
    .option("--force", "overwrite an existing fdock.yaml", false)
    .addHelpText("after", "\nExample:\n  fdock init --app 'flask_blog:create_app()'")
    .action(action(runInit));
}

async function runInit(g: GlobalOptions, opts: Options): Promise<number> {
  const { init } = await import("../../core/project/init.js");
  const { chooser } = await import("../prompt.js");
  return withReporter(g, async () => {
    // Asks which app only where someone can answer: a terminal, not CI, not with --yes.
    const interactive = !opts.yes && process.stdin.isTTY && process.stdout.isTTY && !process.env.CI;
    const result = await init({ dir: resolve(g.projectDir), app: opts.app as string | undefined, force: Boolean(opts.force), choose: interactive ? chooser : undefined });
    if (g.json) return printJson(result);
    out(`Wrote ${result.file} (app: ${result.config.app})\n`);
    for (const note of result.notes) out(`  - ${note}\n`);
    out("Next: `fdock up` serves it on http://localhost:8080/\n");
  });
}
