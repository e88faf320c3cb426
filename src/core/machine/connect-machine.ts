/** Reaching a machine over SSH with its host key checked (pinned on the first connection). */
import { UserError } from "../errors.js";
import type { Reporter } from "../events.js";
import { knownHostsPath, type Machine } from "./machine.js";
import { sshAlias } from "./paths.js";
import { connectSsh, waitForSsh, type HostKeyPolicy, type SshSession } from "./ssh/client.js";
import { fingerprint, parsePin, readKnownHost, writeKnownHost, type HostKeyPin } from "./ssh/host-key.js";

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
