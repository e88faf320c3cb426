import { existsSync } from "node:fs";
import type { Client, ConnectConfig } from "ssh2";
import { UserError } from "../../errors.js";
import type { SshHints, SshTarget } from "../driver.js";
import { fingerprint, keyFromBlob, pinMatches, type HostKey, type HostKeyPin } from "./host-key.js";
import { readPrivateKey } from "./key-file.js";

/** The host answered with a key other than the pinned one. Never accepted silently. */
export class HostKeyMismatchError extends UserError {
  constructor(machine: string, endpoint: string, expected: string, seen: HostKey, knownHosts: string, pinnedBefore: boolean) {
    const shown = `${fingerprint(seen.blob)} (${seen.type})`;
    super(
      pinnedBefore
        ? `The host key of machine "${machine}" at ${endpoint} has CHANGED: it was ${expected}, the host now shows ${shown}. fdock refused to connect.`
        : `The host at ${endpoint} shows the key ${shown}, not the one given for machine "${machine}" (${expected}). fdock refused to connect.`,
      pinnedBefore
        ? `Someone may be intercepting the connection, or the host was reinstalled. Check the new fingerprint out of band (your provider's console: \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`). Only if it matches, delete ${knownHosts} and run \`fdock machine provision ${machine}\` to pin the new key.`
        : "Check the key you gave against the host's own (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` in your provider's console): someone may be intercepting the connection, or the key belongs to another host.",
    );
  }
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How the host key is checked: against a pin, or (the first connection only) learned. */
export interface HostKeyPolicy {
  machine: string;
  knownHostsPath: string;
  pin: HostKeyPin | null;
}

export interface SshSession {
  hostKey: HostKey;
  exec(command: string, opts?: { stdin?: string; onOutput?: (text: string) => void }): Promise<ExecResult>;
  close(): void;
}

const endpointOf = (t: SshTarget) => `${t.host}:${t.port}`;

/** ssh2 options (also what dockerode's sshOptions take): the key, a host key check and a bounded handshake. */
export function sshOptions(target: SshTarget, policy: HostKeyPolicy, seen: (key: HostKey) => void, readyTimeoutMs: number): ConnectConfig {
  return {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey: readPrivateKey(target.keyPath),
    readyTimeout: readyTimeoutMs,
    keepaliveInterval: 15_000,
    // Offer only the pinned key's algorithms, so the server shows that key (as OpenSSH does with known_hosts).
    ...(policy.pin?.kind === "key" ? { algorithms: { serverHostKey: hostKeyAlgorithms(policy.pin.key.type) as never } } : {}),
    hostVerifier: (blob: Buffer) => {
      const key = keyFromBlob(blob);
      seen(key);
      return policy.pin === null || pinMatches(policy.pin, key);
    },
  };
}

/** An RSA key signs with rsa-sha2-* (servers since OpenSSH 8.8 refuse ssh-rsa's SHA-1); other types name their algorithm. */
function hostKeyAlgorithms(type: string): string[] {
  return type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
}

/** Hints naming no driver's flags, for a caller that has no driver at hand. */
export const plainSshHints: SshHints = { port: "", address: "Check the host's address.", keyOrUser: "", rootUser: "Connect as root" };

function translate(e: Error & { level?: string; code?: string }, target: SshTarget, policy: HostKeyPolicy, seen: HostKey | null, timeoutMs: number, hints: SshHints): Error {
  const at = endpointOf(target);
  if (seen && policy.pin && !pinMatches(policy.pin, seen)) {
    const expected = policy.pin.kind === "key" ? `${fingerprint(policy.pin.key.blob)} (${policy.pin.key.type})` : policy.pin.fingerprint;
    return new HostKeyMismatchError(policy.machine, at, expected, seen, policy.knownHostsPath, existsSync(policy.knownHostsPath));
  }
  if (e.code === "ECONNREFUSED") {
    return new UnreachableError(`Nothing accepts SSH connections at ${at} (connection refused).`, `Check that sshd runs on ${target.host} and listens on port ${target.port}${hints.port}.`);
  }
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") {
    return new UnreachableError(`The host name ${target.host} does not resolve.`, hints.address);
  }
  if (/Timed out|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(e.message + (e.code ?? ""))) {
    return new UnreachableError(
      `${at} did not answer within ${Math.round(timeoutMs / 1000)} s (${e.code ?? e.message}).`,
      `Check the address, that the host is up, and that a firewall lets port ${target.port} through; --ssh-timeout gives it longer.`,
    );
  }
  if (e.level === "client-authentication" || /authentication methods failed/i.test(e.message)) {
    return new UserError(
      `${at} refused the key ${target.keyPath} for user ${target.user}.`,
      `Add the key's public half to ~${target.user}/.ssh/authorized_keys on the host (\`ssh-copy-id -i ${target.keyPath} ${target.user}@${target.host}\`)${hints.keyOrUser}.`,
      undefined,
      3,
    );
  }
  return new UnreachableError(`SSH to ${at} failed: ${e.message}`, "Check the address, port and user.");
}

/** The host cannot be reached at all (refused, timeout, unknown name): worth retrying while it boots. */
export class UnreachableError extends UserError {}

/** One SSH connection, host key checked; errors say which host:port and why, within readyTimeoutMs. */
export async function connectSsh(target: SshTarget, policy: HostKeyPolicy, readyTimeoutMs = 15_000, hints = plainSshHints): Promise<SshSession> {
  const { Client } = (await import("ssh2")).default;
  const client: Client = new Client();
  let seen: HostKey | null = null;
  const options = sshOptions(target, policy, (k) => (seen = k), readyTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => {
      client.destroy();
      reject(translate(Object.assign(new Error("Timed out"), { code: "ETIMEDOUT" }), target, policy, seen, readyTimeoutMs, hints));
    }, readyTimeoutMs + 2_000);
    client.once("ready", () => { clearTimeout(guard); resolve(); });
    client.once("error", (e) => { clearTimeout(guard); client.destroy(); reject(translate(e, target, policy, seen, readyTimeoutMs, hints)); });
    client.connect(options);
  });
  const hostKey = seen as HostKey | null;
  if (!hostKey) throw new Error("ssh2 connected without showing a host key");
  return {
    hostKey,
    close: () => client.end(),
    exec: (command, opts = {}) =>
      new Promise<ExecResult>((resolve, reject) => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let stdout = "";
          let stderr = "";
          stream.on("data", (d: Buffer) => { stdout += d.toString(); opts.onOutput?.(d.toString()); });
          stream.stderr.on("data", (d: Buffer) => { stderr += d.toString(); opts.onOutput?.(d.toString()); });
          stream.on("close", (code: number | null) => resolve({ code: code ?? 255, stdout, stderr }));
          if (opts.stdin !== undefined) stream.end(opts.stdin);
          else stream.end();
        });
      }),
  };
}

/** Connects, retrying while the host is unreachable (booting), until timeoutMs has passed. Key and host key errors fail at once. */
export async function waitForSsh(target: SshTarget, policy: HostKeyPolicy, timeoutMs: number, signal?: AbortSignal, hints = plainSshHints): Promise<SshSession> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    try {
      return await connectSsh(target, policy, Math.max(2_000, Math.min(15_000, remaining)), hints);
    } catch (e) {
      if (!(e instanceof UnreachableError) || Date.now() + 2_000 >= deadline || signal?.aborted) {
        if (e instanceof UnreachableError && timeoutMs > 0) {
          throw new UnreachableError(`${e.message} Gave up after ${Math.round(timeoutMs / 1000)} s.`, e.hint);
        }
        throw e;
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}
