/**
 * The machine's SSH key: ed25519, made here with node:crypto and written in OpenSSH's own formats
 * (the public key line AWS imports, the private key file ssh and ssh2 read). The private key
 * never leaves this machine and is only ever written to a 0600 file.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { fingerprint } from "../../ssh/host-key.js";
import { writeFileAtomic } from "../../atomic-file.js";

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export interface SshKeyPair {
  /** "ssh-ed25519 AAAA... comment" */
  publicKey: string;
  /** SHA256:... as ssh-keygen -l prints it. */
  fingerprint: string;
  /** Writes the OpenSSH private key file 0600; the key material exists nowhere else. */
  writePrivateKey(path: string): Promise<void>;
}

export function makeEd25519KeyPair(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  const publicLine = `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
  return {
    publicKey: publicLine,
    fingerprint: fingerprint(blob),
    async writePrivateKey(path: string) {
      const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url");
      const check = randomBytes(4).readUInt32BE();
      let priv = Buffer.concat([
        uint32(check),
        uint32(check),
        sshString("ssh-ed25519"),
        sshString(pub),
        sshString(Buffer.concat([seed, pub])),
        sshString(comment),
      ]);
      const pad: number[] = [];
      for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
      priv = Buffer.concat([priv, Buffer.from(pad)]);
      const body = Buffer.concat([
        Buffer.from("openssh-key-v1\0"),
        sshString("none"),
        sshString("none"),
        sshString(""),
        uint32(1),
        sshString(blob),
        sshString(priv),
      ]);
      const lines = body.toString("base64").match(/.{1,70}/g)!;
      const text = `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
      // 0600 from the first byte, whole or absent, and never over an existing key.
      writeFileAtomic(path, text, { mode: 0o600, exclusive: true });
      seed.fill(0);
    },
  };
}
