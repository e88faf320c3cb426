/**
 * What the edge's fdock-certs prints: one line per result, tab-separated fields, the first
 * "fdock-certs", then key=value pairs (result, name, domains, issuer, serial, not_after,
 * next_renewal, server, cert, key). Lines from anything else are ignored.
 */
export type CertsResult = "obtained" | "renewed" | "reused" | "listed" | "kept" | "skipped" | "failed";

export interface CertificateInfo {
  name: string;
  domains: string[];
  issuer: string;
  serial: string;
  notAfter: Date;
  /** The first renewal check after this time renews it (30 days before it expires). */
  nextRenewal: Date;
  /** The ACME directory it came from ("" for a certificate fdock-certs did not obtain). */
  server: string;
  /** Its files inside the edge. */
  certificate: string;
  key: string;
}

export interface CertsLine {
  result: CertsResult;
  name: string;
  /** Present unless the result is failed or skipped. */
  info?: CertificateInfo;
}

const RESULTS: ReadonlySet<string> = new Set(["obtained", "renewed", "reused", "listed", "kept", "skipped", "failed"]);

export function parseCertsOutput(stdout: string): CertsLine[] {
  const lines: CertsLine[] = [];
  for (const line of stdout.split("\n")) {
    const [tag, ...fields] = line.replace(/\r$/, "").split("\t");
    if (tag !== "fdock-certs") continue;
    const f = new Map(fields.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
    const result = f.get("result") ?? "";
    if (!RESULTS.has(result)) throw new Error(`fdock-certs printed an unknown result: ${line}`);
    const name = f.get("name") ?? "";
    const notAfter = f.get("not_after");
    const info: CertificateInfo | undefined = notAfter
      ? {
          name,
          domains: (f.get("domains") ?? "").split(",").filter(Boolean),
          issuer: f.get("issuer") ?? "",
          serial: f.get("serial") ?? "",
          notAfter: new Date(notAfter),
          nextRenewal: new Date(f.get("next_renewal") ?? notAfter),
          server: f.get("server") ?? "",
          certificate: f.get("cert") ?? "",
          key: f.get("key") ?? "",
        }
      : undefined;
    lines.push({ result: result as CertsResult, name, info });
  }
  return lines;
}
