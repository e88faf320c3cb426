import { join } from "node:path";
import { UserError } from "../errors.js";
import type { Reporter } from "../events.js";
import type { Driver, MachineState } from "./driver.js";
import { driverEntry } from "./drivers/lookup.js";
import { sshAlias } from "./paths.js";
import { connectSsh, waitForSsh, type HostKeyPolicy, type SshSession } from "./ssh/client.js";
import { fingerprint, parsePin, readKnownHost, writeKnownHost, type HostKeyPin } from "./ssh/host-key.js";
import { ensureSshInclude, writeSshConfig } from "./ssh/ssh-config.js";
import { MachineStore, type MachineConfig } from "./store.js";

/** A stored machine with its driver loaded. */
export interface Machine {
  config: MachineConfig;
  driver: Driver;
  dir: string;
}

export function knownHostsPath(dir: string): string {
  return join(dir, "known_hosts");
}

export async function factoryFor(driverName: string) {
  return driverEntry(driverName).load();
}

export async function loadMachine(name: string, env: NodeJS.ProcessEnv): Promise<Machine> {
  const store = new MachineStore(env);
  const config = store.load(name);
  const dir = store.dir(name);
  const driver = await (await factoryFor(config.driver)).load(config.driverData, dir, env);
  return { config, driver, dir };
}

/** The SSH target of a machine, or a clear error when its create never got that far. */
export function sshTargetOf(m: Machine) {
  if (!m.config.ssh) {
    throw new UserError(`Machine "${m.config.name}" has no SSH address yet (state: ${m.config.state}).`, `Remove it with \`fdock machine rm -f ${m.config.name}\` and create it again.`);
  }
  return m.config.ssh;
}

/** The host key policy of a machine: its known_hosts pin, else the driver's out-of-band key, else learn it. */
export async function hostKeyPolicy(m: Machine): Promise<HostKeyPolicy> {
  const path = knownHostsPath(m.dir);
  const known = readKnownHost(path);
  let pin: HostKeyPin | null = known ? { kind: "key", key: known } : null;
  if (!pin && m.driver.pinnedHostKey) {
    const text = await m.driver.pinnedHostKey();
    if (text) pin = parsePin(text);
  }
  return { machine: m.config.name, knownHostsPath: path, pin };
}

/**
 * Connects with the host key checked. On the first connection the key seen is pinned (and its
 * fingerprint reported); afterwards any other key is refused.
 */
export async function connectMachine(m: Machine, reporter: Reporter, opts: { timeoutMs?: number; wait?: boolean; signal?: AbortSignal } = {}): Promise<SshSession> {
  const target = sshTargetOf(m);
  const policy = await hostKeyPolicy(m);
  const session = opts.wait
    ? await waitForSsh(target, policy, opts.timeoutMs ?? 120_000, opts.signal, m.driver.sshHints)
    : await connectSsh(target, policy, opts.timeoutMs ?? 15_000, m.driver.sshHints);
  if (!readKnownHost(policy.knownHostsPath)) {
    writeKnownHost(policy.knownHostsPath, sshAlias(m.config.name), session.hostKey);
    const how = policy.pin ? "the key given with the driver's host-key option" : "the key first seen: compare it with the host's own `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`";
    reporter.emit({ kind: "info", message: `pinned host key ${fingerprint(session.hostKey.blob)} (${session.hostKey.type}), ${how}` });
  }
  return session;
}

/** Rewrites fdock's ssh config from the store (one entry per machine with an address) and makes ~/.ssh/config include it. */
export function syncSshConfig(env: NodeJS.ProcessEnv): string {
  const store = new MachineStore(env);
  const entries = store
    .list()
    .filter((c) => c.ssh)
    .map((c) => ({ name: c.name, target: c.ssh!, knownHostsPath: knownHostsPath(store.dir(c.name)) }));
  const path = writeSshConfig(entries, env);
  ensureSshInclude(env);
  return path;
}

export async function machineState(m: Machine): Promise<MachineState> {
  try {
    return await m.driver.state();
  } catch {
    return "Error";
  }
}
