/** `fdock up`: build and run the app, here or (--remote) on a machine; returns when it is healthy. */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { withInterrupt } from "../interrupt.js";
import { portNumber, positiveNumber, type GlobalOptions, type Options } from "../options.js";
import { out, printJson } from "../output.js";
import { outputSink } from "../reporters.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("build and run the app locally; returns when it is healthy")
    .addOption(new Option("-p, --port <port>", "port nginx listens on (default: fdock.yaml's port, 8080; with --remote: 80)").argParser(portNumber))
    .option("--production", "run the production topology (no source mount, no reload)", false)
    .option("--remote [machine]", "deploy to a machine (default: the active one): production, port 80, built on its engine; or to a cluster (fdock cluster)")
    .addOption(new Option("--replicas <n>", "with --remote CLUSTER: gunicorn tasks (default: workers.replicas, else one per node)").argParser(positiveNumber))
    .addHelpText("after", "\nExamples:\n  fdock up              # development: edits are served without a restart\n  fdock up --port 9000\n  fdock up --remote web # on machine web, http://ITS-IP/\n  fdock up --remote c1 --replicas 6 # on cluster c1: 6 gunicorn tasks, nginx on every node")
    .action(action(runUp));
}

async function runUp(g: GlobalOptions, opts: Options): Promise<number> {
  const { deploy } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async (reporter) => {
    const result = await withInterrupt(
      reporter,
      { first: "stopping after the current step; the running version (if any) keeps serving.", second: "A deploy lock left behind is taken over by the next `fdock up` from this computer." },
      (signal) => deploy(
        { dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env, production: Boolean(opts.production), port: opts.port as number | undefined, replicas: opts.replicas as number | undefined, onOutput: outputSink(g, reporter) },
        reporter,
        signal,
      ),
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    out(`${result.project} is serving at ${result.url} (${result.mode})\n`);
    if (result.mode === "development") out("Edits to the code are served without a restart. `fdock down` stops it.\n");
  });
}
