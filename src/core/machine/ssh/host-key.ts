import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { writeFileAtomic } from "../atomic-file.js";

/** A host's public key: its type and the raw key blob (what ssh2 hands a hostVerifier). */
export interface HostKey {
  type: string;
  blob: Buffer;
}

/** What a user may give to pin: a key ("ssh-ed25519 AAAA…"), a known_hosts line, or a SHA256 fingerprint. */
export type HostKeyPin = { kind: "key"; key: HostKey } | { kind: "fingerprint"; fingerprint: string };

/** OpenSSH's fingerprint: "SHA256:" and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** The key type written inside the blob (a length-prefixed string). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return "";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("ascii");
}

export function keyFromBlob(blob: Buffer): HostKey {
  return { type: blobType(blob), blob };
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-\S+)$/;

/** Parses "type base64 [comment]" or "hosts type base64 [comment]"; null when the text is neither. */
export function parseKeyText(text: string): HostKey | null {
  const fields = text.trim().split(/\s+/);
  for (let i = 0; i + 1 < fields.length && i < 2; i++) {
    if (KEY_TYPE.test(fields[i]!)) {
      const blob = Buffer.from(fields[i + 1]!, "base64");
      if (blob.length > 0 && blobType(blob) === fields[i]) return { type: fields[i]!, blob };
    }
  }
  return null;
}

export function parsePin(text: string): HostKeyPin {
  const t = text.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(t)) return { kind: "fingerprint", fingerprint: t };
  const key = parseKeyText(t);
  if (key) return { kind: "key", key };
  throw new UserError(
    "--generic-ssh-host-key is not a host key, a known_hosts line or a SHA256 fingerprint.",
    "Give the host's key as `ssh-keyscan` prints it (e.g. \"ssh-ed25519 AAAA…\"), or its fingerprint (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host prints \"SHA256:…\").",
  );
}

export function pinMatches(pin: HostKeyPin, key: HostKey): boolean {
  return pin.kind === "key" ? pin.key.blob.equals(key.blob) : pin.fingerprint === fingerprint(key.blob);
}

/** A machine's known_hosts: one line under the machine's ssh alias (HostKeyAlias), so an IP change does not unpin it. */
export function knownHostsLine(alias: string, key: HostKey): string {
  return `${alias} ${key.type} ${key.blob.toString("base64")}\n`;
}

export function readKnownHost(path: string): HostKey | null {
  if (!existsSync(path)) return null;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim() || line.startsWith("#") || line.startsWith("@")) continue;
    const key = parseKeyText(line);
    if (key) return key;
  }
  return null;
}

export function writeKnownHost(path: string, alias: string, key: HostKey): void {
  writeFileAtomic(path, knownHostsLine(alias, key));
}
