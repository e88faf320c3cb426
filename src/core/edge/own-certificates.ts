import type Docker from "dockerode";
import { X509Certificate } from "node:crypto";
import { UserError } from "../errors.js";
import { EDGE_CONTAINER, EDGE_OWN_CERTS_DIR } from "../render/edge-layout.js";
import { execOutput } from "./exec-output.js";

/** A user's own certificate on the edge (tls.certificate): what it says of itself. Its key is never read. */
export interface OwnCertificate {
  /** The app it belongs to (the file is APP.crt). */
  app: string;
  domains: string[];
  issuer: string;
  serial: string;
  notAfter: Date;
  /** Its file inside the edge. */
  certificate: string;
}

const MARK = "fdock-own-certificate ";

/** The first certificate of a PEM chain (the server's own), parsed; undefined when it is not one. */
export function parseOwnCertificate(app: string, file: string, pem: string): OwnCertificate | undefined {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!first) return undefined;
  let x: X509Certificate;
  try {
    x = new X509Certificate(first);
  } catch {
    return undefined;
  }
  const domains = (x.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((n) => n.startsWith("DNS:"))
    .map((n) => n.slice(4).toLowerCase())
    .sort();
  // RFC 2253 order (most specific first), as fdock-certs prints an ACME certificate's issuer.
  const issuer = x.issuer.split("\n").filter(Boolean).reverse().join(",");
  return { app, domains, issuer, serial: x.serialNumber.toUpperCase(), notAfter: new Date(x.validTo), certificate: file };
}

/** The users' own certificates on a running edge (EDGE_OWN_CERTS_DIR/APP.crt), read through the engine API. */
export async function listOwnCertificates(docker: Docker, container: string = EDGE_CONTAINER): Promise<OwnCertificate[]> {
  const script = `for f in "$1"/*.crt; do [ -f "$f" ] && printf '${MARK}%s\\n' "$f" && cat "$f" && echo; done; exit 0`;
  const r = await execOutput(docker, container, ["sh", "-c", script, "sh", EDGE_OWN_CERTS_DIR]);
  if (r.exitCode !== 0) throw new UserError("Could not read the edge's own certificates.", `See the edge's log: docker logs ${container}`, r.stderr.trim());
  return r.stdout
    .split(MARK)
    .slice(1)
    .flatMap((chunk) => {
      const file = chunk.slice(0, chunk.indexOf("\n"));
      const app = file.slice(file.lastIndexOf("/") + 1).replace(/\.crt$/, "");
      const cert = parseOwnCertificate(app, file, chunk);
      return cert ? [cert] : [];
    });
}
