/** The actions behind the machine commands: options in, core call, result out. */
import { existsSync } from "node:fs";
import type { GlobalOptions } from "./main.js";
import { out, printJson, withReporter, type Options } from "./action.js";
import { reportError } from "./errors.js";
import { withInterrupt } from "./interrupt.js";
import { UserError } from "../core/errors.js";
import { runArgvInteractive } from "../core/exec.js";
import { drivers } from "../core/machine/drivers/index.js";
import type { FlagValues } from "../core/machine/driver.js";
import { activeMachine, detectShell, envScript, unsetScript, type Shell } from "../core/machine/active.js";
import { knownHostsPath, loadMachine, machineState } from "../core/machine/machine.js";
import { MachineStore } from "../core/machine/store.js";
import { contextName, fdockSshConfig, sshAlias } from "../core/machine/paths.js";

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export async function createAction(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { createMachine } = await import("../core/machine/create.js");
  return withReporter(g, async (reporter) => {
    const driver = String(opts.driver);
    const summary = drivers[driver];
    if (!summary) throw new UserError(`There is no driver named "${driver}".`, `Drivers: ${Object.keys(drivers).filter((d) => !drivers[d]!.hidden).join(", ")}.`);
    const flags: FlagValues = {};
    for (const f of summary.flags) flags[f.name] = opts[camel(f.name)] as FlagValues[string];
    for (const [other, s] of Object.entries(drivers)) {
      if (other === driver) continue;
      const stray = s.flags.find((f) => opts[camel(f.name)] !== undefined);
      if (stray) throw new UserError(`--${stray.name} belongs to the ${other} driver, not ${driver}.`, `Use --driver ${other}, or drop the flag.`);
    }
    // First Ctrl-C: finish the step in flight, then remove what this create made. Second: quit now.
    const result = await withInterrupt(
      reporter,
      { first: "stopping after the current step, then removing what this create made.", second: `What was made so far may be left: \`fdock machine rm -f ${name}\` removes it.` },
      (signal) => createMachine({ name, driver, flags, noProvision: opts.provision === false, sshTimeout: opts.sshTimeout as number, dryRun: Boolean(opts.dryRun), signal }, reporter),
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    if (result.dryRun) return out("Dry run: nothing was made.\n");
    out(`Machine ${name} is ${result.state}${result.engineVersion ? ` (Docker ${result.engineVersion})` : ""}: ssh ${result.sshAlias}, Docker context ${result.context}.\n`);
    out(`To point this shell at it: eval "$(fdock env ${name})"   then: fdock up --remote\n`);
  });
}

export async function lsAction(g: GlobalOptions, opts: Options): Promise<number> {
  return withReporter(g, async () => {
    const env = process.env;
    const active = activeMachine(env).name;
    const rows = await Promise.all(
      new MachineStore(env).listAll().map(async ({ name, config: c, error }) => {
        // A config that cannot be read is listed as Error (with why), never hides the others.
        if (!c) return { name, active: name === active, driver: "?", state: "Error", url: "", docker: "", error };
        const m = await loadMachine(c.name, env).catch(() => null);
        const state = m && c.ssh ? await machineState(m) : c.state === "creating" ? "Creating" : "Unknown";
        return {
          name: c.name,
          active: c.name === active,
          driver: c.driver,
          state: c.state === "ready" || state !== "Running" ? state : `Running (${c.state})`,
          url: c.ssh ? `ssh://${sshAlias(c.name)}` : "",
          docker: c.engineVersion ?? "",
          error: c.error,
        };
      }),
    );
    if (g.json || opts.json) return printJson(rows);
    const table = [["NAME", "ACTIVE", "DRIVER", "STATE", "URL", "DOCKER"], ...rows.map((r) => [r.name, r.active ? "*" : "-", r.driver, r.state, r.url || "-", r.docker || "-"])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) out(row.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd() + "\n");
  });
}

export async function inspectAction(g: GlobalOptions, name: string): Promise<number> {
  return withReporter(g, async () => {
    const m = await loadMachine(name, process.env);
    // The config holds no secrets by design (keys are files of their own); paths are fine to show.
    printJson({ ...m.config, dir: m.dir, sshAlias: sshAlias(name), context: contextName(name), knownHosts: knownHostsPath(m.dir) });
  });
}

export async function ipAction(g: GlobalOptions, name: string): Promise<number> {
  const { followAddress } = await import("../core/machine/power.js");
  return withReporter(g, async (reporter) => {
    const m = await loadMachine(name, process.env);
    const ip = await m.driver.ip();
    followAddress(m, process.env, reporter);
    out(`${ip}\n`);
  });
}

export async function statusAction(g: GlobalOptions, name: string): Promise<number> {
  return withReporter(g, async () => {
    const m = await loadMachine(name, process.env);
    const state = await machineState(m);
    if (g.json) return printJson({ name, state, config: m.config.state });
    out(`${state}\n`);
  });
}

function requirePinned(name: string, dir: string): void {
  if (!existsSync(knownHostsPath(dir))) {
    throw new UserError(`Machine "${name}" has no pinned host key yet, so ssh would refuse it.`, `Run \`fdock machine provision ${name}\`: it connects once and pins the key.`);
  }
}

/** The system ssh with fdock's config: the host key is checked against the machine's known_hosts. */
export async function sshAction(g: GlobalOptions, name: string, command: string[]): Promise<number> {
  try {
    const m = await loadMachine(name, process.env);
    requirePinned(name, m.dir);
    const args = ["-F", fdockSshConfig(process.env), ...(command.length ? [] : ["-t"]), sshAlias(name), ...command];
    return await runArgvInteractive({ file: "ssh", args });
  } catch (e) {
    return reportError(e, process.stderr, g.verbose);
  }
}

export async function scpAction(g: GlobalOptions, from: string, to: string, opts: Options): Promise<number> {
  try {
    const store = new MachineStore(process.env);
    const map = (arg: string) => {
      const m = /^([a-zA-Z0-9][a-zA-Z0-9.-]*):(.*)$/.exec(arg);
      if (!m) return arg;
      store.load(m[1]!);
      requirePinned(m[1]!, store.dir(m[1]!));
      return `${sshAlias(m[1]!)}:${m[2]}`;
    };
    const args = ["-F", fdockSshConfig(process.env), ...(opts.recursive ? ["-r"] : []), "--", map(from), map(to)];
    return await runArgvInteractive({ file: "scp", args });
  } catch (e) {
    return reportError(e, process.stderr, g.verbose);
  }
}

export function powerAction(verb: "start" | "stop" | "restart" | "kill") {
  return async (g: GlobalOptions, name: string): Promise<number> => {
    const { powerMachine } = await import("../core/machine/power.js");
    return withReporter(g, (reporter) => powerMachine(name, verb, process.env, reporter));
  };
}

export async function provisionAction(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { provisionMachine, finishLocalSetup } = await import("../core/machine/create.js");
  const { withMachineLock } = await import("../core/machine/lock.js");
  return withReporter(g, async (reporter) => {
    const env = process.env;
    const store = new MachineStore(env);
    const m = await loadMachine(name, env);
    await withMachineLock(name, env, async () => {
      try {
        const engineVersion = await provisionMachine(m, reporter, { timeoutMs: (opts.sshTimeout as number) * 1000, wait: true });
        store.save({ ...m.config, state: "ready", engineVersion, error: undefined });
      } catch (e) {
        store.save({ ...m.config, state: "error", error: (e as Error).message });
        throw e;
      }
      await finishLocalSetup(name, env, reporter);
    });
    await reporter.flush();
    if (g.json) return printJson({ name, state: "ready" });
    out(`Machine ${name} is ready.\n`);
  });
}

export async function rmAction(g: GlobalOptions, names: string[], opts: Options): Promise<number> {
  const { removeMachine } = await import("../core/machine/remove.js");
  return withReporter(g, async (reporter) => {
    const store = new MachineStore(process.env);
    // Every name known before anything is removed; -f also takes a machine whose config cannot be read.
    for (const name of names) (opts.force ? store.require(name) : store.load(name));
    if (!opts.yes && !opts.dryRun) {
      if (!process.stdin.isTTY || process.env.CI) throw new UserError(`Removing ${names.join(", ")} needs confirmation.`, "Pass -y to remove without asking.");
      const { confirm } = await import("@inquirer/prompts");
      if (!(await confirm({ message: `Remove ${names.join(", ")}? The generic driver leaves the servers running; others delete them.`, default: false }))) return;
    }
    const results = [];
    const dryRun = Boolean(opts.dryRun);
    for (const name of names) results.push(await removeMachine(name, { force: Boolean(opts.force), dryRun }, reporter));
    await reporter.flush();
    if (g.json) return printJson(results);
    for (const r of results) out(`${dryRun ? "Would remove" : "Removed"} ${r.name}: ${r.removed.join("; ")}\n`);
  });
}

export async function envAction(g: GlobalOptions, name: string | undefined, opts: Options): Promise<number> {
  try {
    const shell = (opts.shell as Shell | undefined) ?? detectShell(process.env);
    if (opts.unset) {
      if (name) throw new UserError("`fdock env -u` takes no machine name: it undoes whichever machine this shell points at.", 'Run `eval "$(fdock env -u)"`.');
      out(unsetScript(shell));
      return 0;
    }
    if (!name) throw new UserError("Which machine? `fdock env NAME`.", "`fdock machine ls` lists them; `fdock env -u` points the shell back at the local engine.");
    out(envScript(name, shell, process.env));
    return 0;
  } catch (e) {
    return reportError(e, process.stderr, g.verbose);
  }
}

export async function useAction(g: GlobalOptions, name: string | undefined, opts: Options): Promise<number> {
  const { useContext } = await import("../core/machine/docker-context.js");
  return withReporter(g, async () => {
    if (opts.default) {
      if (name) throw new UserError("Give a machine name or --default, not both.");
      await useContext("default", process.env);
      return out("Docker now uses the local engine (context default) in every shell.\n");
    }
    if (!name) throw new UserError("Which machine? `fdock use NAME`, or `fdock use --default` for the local engine.", "`fdock machine ls` lists them.");
    new MachineStore(process.env).load(name);
    await useContext(contextName(name), process.env);
    out(`Docker now uses machine ${name} (context ${contextName(name)}) in every shell; \`fdock use --default\` switches back.\n`);
    const shadow = ["DOCKER_HOST", "DOCKER_CONTEXT", "FDOCK_MACHINE_NAME"].filter((k) => process.env[k]);
    if (shadow.length) process.stderr.write(`warning: ${shadow.join(", ")} set in this shell override it here: eval "$(fdock env -u)"${process.env.DOCKER_HOST ? " and unset DOCKER_HOST" : ""}\n`);
  });
}

export async function activeAction(g: GlobalOptions): Promise<number> {
  return withReporter(g, async () => {
    const a = activeMachine(process.env);
    if (g.json) return printJson(a);
    if (!a.name) throw new UserError(a.source === "DOCKER_HOST" ? `No machine is active: DOCKER_HOST (${process.env.DOCKER_HOST}) points Docker elsewhere.` : "No machine is active.", 'Make one active with `eval "$(fdock env NAME)"` or `fdock use NAME`.');
    out(`${a.name}\n`);
  });
}
