/**
 * The fdock command line: the global options and one file per command (commands/), each
 * registering its command and running it. Loading this file loads commander, those command files
 * and the drivers' flag lists (for `machine create`'s options), nothing more: a command loads the
 * core, and with it listr2, inquirer, dockerode or the AWS SDK where it needs them, only when it
 * runs (test/unit/imports.test.ts checks this).
 */
import { Command } from "commander";
import { registerActive } from "./commands/active.js";
import { registerApps } from "./commands/apps.js";
import { registerBackup } from "./commands/backup.js";
import { registerBuild } from "./commands/build.js";
import { registerCerts } from "./commands/certs.js";
import { registerCluster } from "./commands/cluster.js";
import { registerConfig } from "./commands/config.js";
import { registerDown } from "./commands/down.js";
import { registerEnv } from "./commands/env.js";
import { registerExec } from "./commands/exec.js";
import { registerInit } from "./commands/init.js";
import { registerLogs } from "./commands/logs.js";
import { registerMachine } from "./commands/machine.js";
import { registerPs } from "./commands/ps.js";
import { registerReleases } from "./commands/releases.js";
import { registerRestore } from "./commands/restore.js";
import { registerRollback } from "./commands/rollback.js";
import { registerRun } from "./commands/run.js";
import { registerUp } from "./commands/up.js";
import { registerUse } from "./commands/use.js";

/** The commands in the order `fdock --help` lists them. */
const COMMANDS = [registerInit, registerBuild, registerUp, registerDown, registerPs, registerLogs, registerRun, registerExec, registerConfig, registerReleases, registerRollback, registerApps, registerCerts, registerBackup, registerRestore, registerMachine, registerCluster, registerEnv, registerUse, registerActive];


export function buildProgram(): Command {
  const program = new Command("fdock")
    .description("Serve a Flask (WSGI) app with Gunicorn behind Nginx, locally and on Docker hosts.")
    .option("-C, --project-dir <dir>", "the app's folder", process.cwd())
    .option("--json", "print data as JSON (no progress lines)", false)
    .option("--verbose", "show the build and compose output as it comes", false)
    .showHelpAfterError()
    .exitOverride() // before the subcommands, so they inherit it: main() returns codes, never exits
    .configureHelp({ sortSubcommands: false });
  for (const register of COMMANDS) register(program);
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
