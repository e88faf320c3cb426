import type Docker from "dockerode";
import { UserError } from "../errors.js";
import { EDGE_CONTAINER, edgeCertificatePaths } from "../render/edge-layout.js";
import { ownCertificatePaths, readAppRecords, type EdgeAppRecord } from "./app-records.js";
import { listCertificates } from "./certificates.js";
import type { CertificateInfo } from "./certs-output.js";
import { listOwnCertificates, type OwnCertificate } from "./own-certificates.js";

/** Whether an engine has an edge, and whether it runs (a stopped one cannot be asked anything). */
export type EdgePresence = "running" | "stopped" | "none";

export async function edgePresence(docker: Docker, container: string = EDGE_CONTAINER): Promise<EdgePresence> {
  const info = await docker.getContainer(container).inspect().catch((e: { statusCode?: number }) => {
    if (e.statusCode === 404) return undefined;
    throw e;
  });
  if (!info) return "none";
  return info.State.Running ? "running" : "stopped";
}

/** A stopped edge: nothing can be listed or renewed until it runs again. */
export function edgeStopped(container: string): UserError {
  return new UserError(
    `The edge container ${container} on this engine is stopped: it serves no app and cannot be asked about its certificates.`,
    `Start it on that engine (\`docker start ${container}\`), or deploy an app with server.names again, which starts it.`,
  );
}

/** One certificate the edge serves with, for `fdock certs`: an ACME one fdock renews, or a user's own. */
export interface EdgeCertificate {
  name: string;
  domains: string[];
  issuer: string;
  serial: string;
  notAfter: Date;
  /** When the edge renews it (30 days before it expires); null for a user's own certificate: fdock does not renew it. */
  nextRenewal: Date | null;
  /** acme: obtained and renewed by the edge; own: the user's files (tls.certificate). */
  source: "acme" | "own";
  /** The ACME directory it came from ("" for a user's own). */
  server: string;
  /** The apps recorded on the edge that are served with it. */
  apps: string[];
}

/** Which apps a certificate serves: their record names it (ACME: the file named after its first name; own: the app's file). */
function appsUsing(records: readonly EdgeAppRecord[], file: string): string[] {
  return records
    .filter((r) => (r.tls === "acme" && r.names.length > 0 && edgeCertificatePaths(r.names).certificate === file) || (r.tls === "own" && ownCertificatePaths(r.app).certificate === file))
    .map((r) => r.app)
    .sort();
}

/** The edge's certificates as `fdock certs` shows them, by their first name (pure: from what the edge said). */
export function edgeCertificatesOf(acme: readonly CertificateInfo[], own: readonly OwnCertificate[], records: readonly EdgeAppRecord[]): EdgeCertificate[] {
  return [
    ...acme.map((c): EdgeCertificate => ({
      name: c.name, domains: c.domains, issuer: c.issuer, serial: c.serial, notAfter: c.notAfter, nextRenewal: c.nextRenewal, source: "acme", server: c.server, apps: appsUsing(records, c.certificate),
    })),
    ...own.map((c): EdgeCertificate => ({
      name: c.app, domains: c.domains, issuer: c.issuer, serial: c.serial, notAfter: c.notAfter, nextRenewal: null, source: "own", server: "", apps: appsUsing(records, c.certificate),
    })),
  ].sort((a, b) => (a.domains[0] ?? a.name).localeCompare(b.domains[0] ?? b.name) || a.source.localeCompare(b.source));
}

/** Every certificate on a running edge: lego's (fdock-certs list) and the users' own, with the apps using each. */
export async function edgeCertificates(docker: Docker, container: string = EDGE_CONTAINER): Promise<EdgeCertificate[]> {
  const [acme, own, records] = await Promise.all([listCertificates(docker, container), listOwnCertificates(docker, container), readAppRecords(docker, container)]);
  return edgeCertificatesOf(acme, own, records);
}
