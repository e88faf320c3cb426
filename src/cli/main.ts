/**
 * The fdock command line: argument parsing only. Every action is loaded on demand, so
 * `fdock --help` loads commander and nothing else.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { parseMemorySize } from "../core/project/workers.js";
import { registerMachineCommands } from "./machine-commands.js";

export interface GlobalOptions {
  projectDir: string;
  json: boolean;
  verbose: boolean;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError("must be a port number from 0 to 65535 (0: any free port).");
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1.");
  return n;
}

function memorySize(value: string): number {
  const bytes = parseMemorySize(value);
  if (bytes === undefined) throw new InvalidArgumentError("must be a size like 512m, 1g or 1.5g.");
  return bytes;
}

export function buildProgram(): Command {
  const program = new Command("fdock")
    .description("Serve a Flask (WSGI) app with Gunicorn behind Nginx, locally and on Docker hosts.")
    .option("-C, --project-dir <dir>", "the app's folder", process.cwd())
    .option("--json", "print data as JSON (no progress lines)", false)
    .option("--verbose", "show the build and compose output as it comes", false)
    .showHelpAfterError()
    .exitOverride() // before the subcommands, so they inherit it: main() returns codes, never exits
    .configureHelp({ sortSubcommands: false });

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const run = (load: () => Promise<(g: GlobalOptions, ...args: never[]) => Promise<number>>) =>
    async (...args: unknown[]) => {
      const action = await load();
      // commander passes the positional arguments, then the command's options, then the command.
      process.exitCode = await action(globals(), ...(args.slice(0, -1) as never[]));
    };

  program
    .command("init")
    .description("look at the app and write fdock.yaml")
    .option("--app <module:callable>", 'the WSGI app, e.g. "main:app" or "flask_blog:create_app()"')
    .option("-y, --yes", "never prompt: take the best guess", false)
    .option("--force", "overwrite an existing fdock.yaml", false)
    .addHelpText("after", "\nExample:\n  fdock init --app 'flask_blog:create_app()'")
    .action(run(async () => (await import("./commands.js")).initCommand));

  program
    .command("build")
    .description("build the gunicorn and nginx images")
    .addHelpText("after", "\nExample:\n  fdock build")
    .action(run(async () => (await import("./commands.js")).buildCommand));

  program
    .command("up")
    .description("build and run the app locally; returns when it is healthy")
    .addOption(new Option("-p, --port <port>", "port nginx listens on (default: fdock.yaml's port, 8080; with --remote: 80)").argParser(portNumber))
    .option("--production", "run the production topology (no source mount, no reload)", false)
    .option("--remote [machine]", "deploy to a machine (default: the active one): production, port 80, built on its engine")
    .addHelpText("after", "\nExamples:\n  fdock up              # development: edits are served without a restart\n  fdock up --port 9000\n  fdock up --remote web # on machine web, http://ITS-IP/")
    .action(run(async () => (await import("./commands.js")).upCommand));

  program
    .command("down")
    .description("stop and remove the app's containers and networks")
    .option("-v, --volumes", "also delete the named volumes (the app's persistent data); asks first", false)
    .option("-y, --yes", "with -v: delete the data without asking (needed where nobody can answer: CI, no terminal)", false)
    .option("--remote [machine]", "on a machine (default: the active one)")
    .addHelpText("after", "\nExamples:\n  fdock down\n  fdock down -v --yes   # also delete the app's data")
    .action(run(async () => (await import("./commands.js")).downCommand));

  program
    .command("ps")
    .description("list the app's containers")
    .option("--remote [machine]", "on a machine (default: the active one)")
    .addHelpText("after", "\nExample:\n  fdock ps --json")
    .action(run(async () => (await import("./commands.js")).psCommand));

  program
    .command("logs")
    .description("show the app's logs")
    .argument("[service...]", "gunicorn, nginx (default: both)")
    .option("-f, --follow", "keep printing new lines", false)
    .addOption(new Option("-n, --tail <lines>", "only the last N lines of each").argParser(positiveNumber))
    .option("--remote [machine]", "on a machine (default: the active one)")
    .addHelpText("after", "\nExample:\n  fdock logs -f gunicorn")
    .action(run(async () => (await import("./commands.js")).logsCommand));

  program
    .command("config")
    .description("print the rendered compose file")
    .option("--production", "render the production topology", false)
    .addOption(new Option("--cpus <n>", "size workers for N CPUs instead of asking the engine").argParser(positiveNumber))
    .addOption(new Option("--memory <size>", "size workers for this much memory (e.g. 1g) instead of asking the engine").argParser(memorySize))
    .addHelpText("after", "\nExamples:\n  fdock config --production\n  fdock config --production --cpus 2 --memory 1g")
    .action(run(async () => (await import("./commands.js")).configCommand));

  program
    .command("releases")
    .description("list the app's releases on the engine (the last 5 production deploys), newest first")
    .option("--remote [machine]", "on a machine (default: the active one)")
    .addHelpText("after", "\nExample:\n  fdock releases --remote web")
    .action(run(async () => (await import("./release-actions.js")).releasesCommand));

  program
    .command("rollback")
    .description("switch the production stack back to a release, without a gap and without a build")
    .argument("[release]", "a release id from `fdock releases` (default: the one before the current one)")
    .addOption(new Option("-p, --port <port>", "the port the stack is published on (as given to `fdock up`)").argParser(portNumber))
    .option("--remote [machine]", "on a machine (default: the active one)")
    .addHelpText("after", "\nExamples:\n  fdock rollback --remote web\n  fdock rollback 20250101-120000")
    .action(run(async () => (await import("./release-actions.js")).rollbackCommand));

  registerMachineCommands(program, run);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    const code = (e as { exitCode?: number; code?: string }).exitCode;
    if (typeof code === "number") return code; // commander already printed help or the usage error
    throw e;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}
