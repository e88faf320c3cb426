/**
 * `fdock machine ssh` and `scp`: the system ssh and scp with fdock's ssh config, so the host key
 * is checked against the machine's known_hosts. Each returns the tool's exit code.
 */
import { existsSync } from "node:fs";
import { UserError } from "../errors.js";
import { runArgvInteractive, type Argv } from "../exec.js";
import { knownHostsPath } from "./machine.js";
import { fdockSshConfig, sshAlias } from "./paths.js";
import { MachineStore } from "./store.js";

function requirePinned(name: string, dir: string): void {
  if (!existsSync(knownHostsPath(dir))) {
    throw new UserError(`Machine "${name}" has no pinned host key yet, so ssh would refuse it.`, `Run \`fdock machine provision ${name}\`: it connects once and pins the key.`);
  }
}

/** ssh to the machine: a login shell (with a terminal) or the command. */
export function sshArgv(name: string, command: string[], env: NodeJS.ProcessEnv): Argv {
  const store = new MachineStore(env);
  store.load(name);
  requirePinned(name, store.dir(name));
  return { file: "ssh", args: ["-F", fdockSshConfig(env), ...(command.length ? [] : ["-t"]), sshAlias(name), ...command] };
}

/** scp between here and machines: NAME:PATH names a machine's file, anything else a local one. */
export function scpArgv(from: string, to: string, opts: { recursive: boolean }, env: NodeJS.ProcessEnv): Argv {
  const store = new MachineStore(env);
  const map = (arg: string) => {
    const m = /^([a-zA-Z0-9][a-zA-Z0-9.-]*):(.*)$/.exec(arg);
    if (!m) return arg;
    store.load(m[1]!);
    requirePinned(m[1]!, store.dir(m[1]!));
    return `${sshAlias(m[1]!)}:${m[2]}`;
  };
  return { file: "scp", args: ["-F", fdockSshConfig(env), ...(opts.recursive ? ["-r"] : []), "--", map(from), map(to)] };
}

export function machineSsh(name: string, command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runArgvInteractive(sshArgv(name, command, env));
}

export function machineScp(from: string, to: string, opts: { recursive: boolean }, env: NodeJS.ProcessEnv): Promise<number> {
  return runArgvInteractive(scpArgv(from, to, opts, env));
}
