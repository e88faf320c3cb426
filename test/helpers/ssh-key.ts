import { generateKeyPairSync } from "node:crypto";

/**
 * A throwaway SSH private key (ECDSA P-256, PEM) for test servers and clients. Not ssh2's
 * utils.generateKeyPairSync("ed25519"): about one key in 256 it makes cannot be parsed back
 * (it strips a leading zero byte of the public key; mscdex/ssh2#1390), which failed CI once.
 */
export function throwawaySshKey(): string {
  return generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "sec1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}
