/**
 * The instance's SSH host key from its console output, where cloud-init prints
 * `-----BEGIN SSH HOST KEY KEYS-----` (the public keys) and `-----BEGIN SSH HOST KEY FINGERPRINTS-----`
 * (their fingerprints), often behind an "ec2: " prefix and among kernel lines.
 */
import { fingerprint } from "../../ssh/host-key.js";

export interface ConsoleHostKeys {
  /** "ssh-ed25519 AAAA..." (type and key only), in the order printed. */
  keys: string[];
  /** "SHA256:..." fingerprints cloud-init printed. */
  fingerprints: string[];
}

const PREFERENCE = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

function clean(line: string): string {
  return line
    .replace(/\r$/, "")
    .replace(/^\[\s*\d+\.\d+\]\s*/, "")
    .replace(/^(?:ec2|ci-info|cloud-init)\s*:\s*/, "")
    .trim();
}

/** The lines between the last BEGIN marker and its END; markers may sit behind a syslog or "ec2:" prefix. */
function block(lines: string[], name: string): string[] {
  const begin = lines.findLastIndex((l) => l.endsWith(`-----BEGIN ${name}-----`));
  if (begin < 0) return [];
  const end = lines.findIndex((l, i) => i > begin && l.endsWith(`-----END ${name}-----`));
  if (end < 0) return [];
  return lines.slice(begin + 1, end);
}

export function parseConsoleHostKeys(output: string): ConsoleHostKeys {
  const lines = output.split("\n").map(clean);
  const keys = block(lines, "SSH HOST KEY KEYS")
    .map((l) => /^((?:ssh|ecdsa)-[a-z0-9-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
  const fingerprints = block(lines, "SSH HOST KEY FINGERPRINTS")
    .map((l) => /\b(SHA256:[A-Za-z0-9+/]+)/.exec(l)?.[1])
    .filter((f): f is string => f !== undefined);
  return { keys, fingerprints };
}

/**
 * The key to pin: the strongest type printed, and when cloud-init also printed fingerprints, only
 * a key whose fingerprint is among them. Null when the console does not show the block (yet).
 */
export function hostKeyFromConsole(output: string): string | null {
  const { keys, fingerprints } = parseConsoleHostKeys(output);
  const verified = fingerprints.length
    ? keys.filter((k) => fingerprints.includes(fingerprint(Buffer.from(k.split(" ")[1]!, "base64"))))
    : keys;
  const sorted = [...verified].sort((a, b) => rank(a) - rank(b));
  return sorted[0] ?? null;
}

function rank(key: string): number {
  const i = PREFERENCE.indexOf(key.split(" ")[0]!);
  return i < 0 ? PREFERENCE.length : i;
}
