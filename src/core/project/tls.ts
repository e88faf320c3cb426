import { LETS_ENCRYPT_DIRECTORY } from "../render/edge-layout.js";
import type { ProjectConfig } from "./model.js";

/** How an app gets HTTPS at the edge: none, a certificate by ACME, or the user's own files. */
export type TlsPlan =
  | { kind: "acme"; email: string; directory: string; caFile?: string; hsts?: number }
  | { kind: "own"; certificate: string; key: string; hsts?: number };

/**
 * What fdock.yaml's `tls` says, checked against the rest of the config; the first problem as
 * "key: what is wrong" (validateConfig reports it with the file's name), or the plan.
 */
export function checkTls(config: ProjectConfig): string | null {
  const tls = config.tls;
  if (!tls) return null;
  if (config.server.names.length === 0) return "tls: HTTPS needs server.names (the host names the certificate is for, their DNS pointing at the machine)";
  const own = tls.certificate !== undefined || tls.key !== undefined;
  if (own) {
    if (tls.certificate === undefined || tls.key === undefined) return `tls.${tls.certificate === undefined ? "certificate" : "key"}: a certificate and its key go together (set both)`;
    if (tls.email || tls.acme_directory || tls.acme_ca || tls.auto) return "tls: either your own certificate (certificate, key) or ACME (email, acme_directory, acme_ca), not both";
    return null;
  }
  if (!tls.email) {
    return 'tls.email: ACME needs an account email (the edge\'s ACME client, lego, registers with it; Let\'s Encrypt writes there only about your certificates). Write tls: {email: you@example.com}';
  }
  const wildcard = config.server.names.find((n) => n.startsWith("*."));
  if (wildcard) return `server.names: ${wildcard} cannot get a certificate by HTTP-01 (ACME needs DNS for wildcards): use tls.certificate and tls.key for it`;
  return null;
}

/** The TLS plan of a valid config (checkTls passed), or null when it asks for none. */
export function tlsPlan(config: ProjectConfig): TlsPlan | null {
  const tls = config.tls;
  if (!tls) return null;
  if (tls.certificate && tls.key) return { kind: "own", certificate: tls.certificate, key: tls.key, hsts: tls.hsts };
  return { kind: "acme", email: tls.email!, directory: tls.acme_directory ?? LETS_ENCRYPT_DIRECTORY, caFile: tls.acme_ca, hsts: tls.hsts };
}

/**
 * The host names the edge routes to an app: server.names and, with redirect_www, the www. name
 * of each (the app's nginx redirects those; the certificate must hold them too).
 */
export function edgeNames(config: ProjectConfig): string[] {
  const names = config.server.names.map((n) => n.toLowerCase());
  const www = config.server.redirect_www ? names.filter((n) => !n.startsWith("www.") && !n.startsWith("*.")).map((n) => `www.${n}`) : [];
  return [...new Set([...names, ...www])];
}
