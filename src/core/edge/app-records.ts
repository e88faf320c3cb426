import type Docker from "dockerode";
import { UserError } from "../errors.js";
import { EDGE_APPS_DIR, EDGE_CONTAINER, EDGE_OWN_CERTS_DIR, edgeCertificatePaths } from "../render/edge-layout.js";
import type { EdgeSite } from "../render/edge-sites.js";
import type { CertificateInfo } from "./certs-output.js";
import { execOutput } from "./exec-output.js";
import { tarOf } from "./tar.js";

/**
 * What the edge knows of one app: a record per app on the edge's state volume
 * (EDGE_APPS_DIR/APP.json), written by that app's deploy and removed by its `down`. The edge's
 * sites file is rendered from all of them, so one app's deploy never needs the other apps' folders,
 * and the records outlive the edge container (a new edge image finds them on the volume).
 */
export interface EdgeAppRecord {
  app: string;
  /** The host names routed to it (server.names, and the www. names it redirects). */
  names: string[];
  /** Its front on the edge network, host:port. */
  upstream: string;
  /** none: HTTP only; acme: a certificate fdock-certs obtains; own: the user's files in EDGE_OWN_CERTS_DIR. */
  tls: "none" | "acme" | "own";
  /** HSTS max-age with HTTPS (the edge's default when absent; 0: none). */
  hsts?: number;
}

/** Where an app's own certificate and key live in the edge. */
export function ownCertificatePaths(app: string): { certificate: string; key: string } {
  return { certificate: `${EDGE_OWN_CERTS_DIR}/${app}.crt`, key: `${EDGE_OWN_CERTS_DIR}/${app}.key` };
}

function isRecord(v: unknown): v is EdgeAppRecord {
  const r = v as EdgeAppRecord;
  return typeof r?.app === "string" && Array.isArray(r.names) && typeof r.upstream === "string" && ["none", "acme", "own"].includes(r.tls);
}

/** Every app record on a running edge (none when there is no edge). */
export async function readAppRecords(docker: Docker, container: string = EDGE_CONTAINER): Promise<EdgeAppRecord[]> {
  const info = await docker.getContainer(container).inspect().catch(() => undefined);
  if (!info?.State.Running) return [];
  // One record per line (each file is one line of JSON).
  const r = await execOutput(docker, container, ["sh", "-c", 'for f in "$1"/*.json; do [ -f "$f" ] && cat "$f" && echo; done; exit 0', "sh", EDGE_APPS_DIR]);
  if (r.exitCode !== 0) throw new UserError("Could not read the apps the edge serves.", `See the edge's log: docker logs ${container}`, r.stderr.trim());
  return r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        const v: unknown = JSON.parse(l);
        return isRecord(v) ? [v] : [];
      } catch {
        return [];
      }
    });
}

/** Writes (or replaces) an app's record on the edge's volume. */
export async function writeAppRecord(docker: Docker, record: EdgeAppRecord, container: string = EDGE_CONTAINER): Promise<void> {
  await docker.getContainer(container).putArchive(tarOf([{ name: `${record.app}.json`, content: JSON.stringify(record) + "\n" }]), { path: EDGE_APPS_DIR });
}

/** Removes an app's record and its own certificate files, if any. */
export async function removeAppRecord(docker: Docker, app: string, container: string = EDGE_CONTAINER): Promise<void> {
  const own = ownCertificatePaths(app);
  const r = await execOutput(docker, container, ["rm", "-f", `${EDGE_APPS_DIR}/${app}.json`, own.certificate, own.key]);
  if (r.exitCode !== 0) throw new UserError(`Could not remove ${app} from the edge.`, `See the edge's log: docker logs ${container}`, r.stderr.trim());
}

/** Puts a user's certificate and key into the edge (the key 0600, through the engine API: on no command line). */
export async function putOwnCertificate(docker: Docker, app: string, certificate: string, key: string, container: string = EDGE_CONTAINER): Promise<void> {
  await docker.getContainer(container).putArchive(
    tarOf([
      { name: `${app}.crt`, content: certificate, mode: 0o644 },
      { name: `${app}.key`, content: key, mode: 0o600 },
    ]),
    { path: EDGE_OWN_CERTS_DIR },
  );
}

/**
 * A record as the edge's site: with HTTPS when its certificate is there (an ACME one that holds
 * every name, or the user's own), HTTP only otherwise (a certificate may be on its way).
 */
export function siteOf(record: EdgeAppRecord, certificates: readonly CertificateInfo[]): EdgeSite {
  const site: EdgeSite = { names: record.names, upstream: record.upstream, ...(record.hsts !== undefined ? { hstsMaxAge: record.hsts } : {}) };
  if (record.tls === "own") return { ...site, certificate: ownCertificatePaths(record.app) };
  if (record.tls === "acme") {
    const paths = edgeCertificatePaths(record.names);
    const cert = certificates.find((c) => c.certificate === paths.certificate);
    if (cert && record.names.every((n) => cert.domains.includes(n.toLowerCase()))) return { ...site, certificate: paths };
  }
  return site;
}
