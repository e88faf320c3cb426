/**
 * What `fdock certs`, `fdock certs renew` and `fdock apps` print: a table for people, JSON with
 * --json. Pure: from the core's results (and the time now, for "in N days") to text.
 */
import type { CertificatesResult, RenewResult } from "../core/edge/certs-on.js";
import type { AppsResult } from "../core/stack/apps.js";
import { tableText } from "./output.js";

export const NO_EDGE = "no edge on this engine: no app with server.names has been deployed here\n";

const DAY = 86_400_000;
const day = (d: Date): string => d.toISOString().slice(0, 10);

/** A date with how far it is from now: "2026-03-01 (in 80 days)", "2025-01-01 (3 days ago)". */
export function when(d: Date, now: Date): string {
  const days = Math.floor((d.getTime() - now.getTime()) / DAY);
  if (days === 0) return `${day(d)} (today)`;
  return days > 0 ? `${day(d)} (in ${days} day${days === 1 ? "" : "s"})` : `${day(d)} (${-days} day${days === -1 ? "" : "s"} ago)`;
}

/** An issuer's common name (its whole name when it has none): "CN=R11,O=Let's Encrypt,C=US" → "R11 (Let's Encrypt)". */
export function issuerName(dn: string): string {
  const field = (key: string) => new RegExp(`(?:^|,)${key}=([^,]+)`).exec(dn)?.[1];
  const cn = field("CN");
  const o = field("O");
  if (!cn) return o ?? dn;
  return o && !cn.includes(o) ? `${cn} (${o})` : cn;
}

export function certsText(result: CertificatesResult, now: Date): string {
  if (!result.edge) return NO_EDGE;
  if (result.certificates.length === 0) return "The edge has no certificate yet: an app with server.names and tls in fdock.yaml gets one on its deploy.\n";
  return tableText([
    ["NAMES", "ISSUER", "EXPIRES", "NEXT RENEWAL", "APPS"],
    ...result.certificates.map((c) => [
      c.domains.join(", ") || c.name,
      issuerName(c.issuer),
      when(c.notAfter, now),
      c.nextRenewal ? when(c.nextRenewal, now) : "- (your own: renew it yourself)",
      c.apps.join(", ") || "-",
    ]),
  ]);
}

const RENEW_SAID: Record<string, string> = {
  renewed: "renewed",
  kept: "kept (more than 30 days left)",
  skipped: "skipped (not obtained by fdock)",
};

export function renewText(result: RenewResult, now: Date): string {
  if (!result.edge) return NO_EDGE;
  if (result.lines.length === 0) return "The edge has no certificate from ACME to renew.\n";
  return tableText([
    ["NAME", "RESULT", "EXPIRES"],
    ...result.lines.map((l) => [l.name, RENEW_SAID[l.result] ?? l.result, l.info ? when(l.info.notAfter, now) : "-"]),
  ]);
}

export function appsText(result: AppsResult): string {
  const note = result.edge === "stopped" ? "The edge on this engine is stopped: host names are not shown (`docker start fdock-edge` there, or deploy again).\n" : "";
  if (result.apps.length === 0) return note + "No fdock app on this engine: `fdock up` (or `fdock up --remote`) deploys one.\n";
  return note + tableText([
    ["APP", "HOST NAMES", "PORTS", "HTTPS", "RELEASE", "STATE"],
    ...result.apps.map((a) => [
      a.app,
      a.names.join(", ") || "-",
      a.ports.join(", ") || "-",
      a.https,
      a.release ?? "-",
      a.state === "partly running" ? `${a.containers.running}/${a.containers.total} running` : a.state,
    ]),
  ]);
}

/** --json: the lists alone (an engine without an edge has no certificates: []); dates as ISO 8601, null where none. */
export const certsJson = (result: CertificatesResult): string => JSON.stringify(result.certificates, null, 2) + "\n";
export const renewJson = (result: RenewResult): string => JSON.stringify(result.lines, null, 2) + "\n";
export const appsJson = (result: AppsResult): string => JSON.stringify(result.apps, null, 2) + "\n";
