import type Docker from "dockerode";
import { EDGE_CONTAINER } from "../render/edge-layout.js";
import { readAppRecords, removeAppRecord, siteOf, writeAppRecord, type EdgeAppRecord } from "./app-records.js";
import { listCertificates } from "./certificates.js";
import { ensureEdge, type EdgeOptions, type EdgeState } from "./ensure-edge.js";

/** One app's change to the edge: its record put (deploy) or removed (down). */
export type EdgeChange = { put: EdgeAppRecord } | { remove: string } | { none: true };

/**
 * Makes the edge serve every app recorded on it, after `change`: the edge is made (or started)
 * when missing, the record written or removed, and the sites file rendered from all records and
 * loaded by a validated, graceful reload (ensureEdge). A change nginx refuses (or a name another
 * app claims) puts the app's previous record back: the edge keeps serving as before.
 */
export async function syncEdge(docker: Docker, base: Omit<EdgeOptions, "sites">, change: EdgeChange): Promise<{ state: EdgeState; records: EdgeAppRecord[] }> {
  const container = base.container ?? EDGE_CONTAINER;
  const info = await docker.getContainer(container).inspect().catch(() => undefined);
  // Not running: made or started with no site, then its records (on the volume) are read.
  if (!info?.State.Running) await ensureEdge(docker, { ...base, sites: [] });
  const before = await readAppRecords(docker, container);
  let records = before;
  const app = "put" in change ? change.put.app : "remove" in change ? change.remove : undefined;
  const previous = before.find((r) => r.app === app);
  if ("put" in change) {
    await writeAppRecord(docker, change.put, container);
    records = [...before.filter((r) => r.app !== change.put.app), change.put];
  } else if ("remove" in change && previous) {
    await removeAppRecord(docker, change.remove, container);
    records = before.filter((r) => r.app !== change.remove);
  }
  records.sort((a, b) => a.app.localeCompare(b.app));
  try {
    const certificates = records.some((r) => r.tls === "acme") ? await listCertificates(docker, container) : [];
    const state = await ensureEdge(docker, { ...base, sites: records.map((r) => siteOf(r, certificates)) });
    return { state, records };
  } catch (e) {
    if ("put" in change) {
      if (previous) await writeAppRecord(docker, previous, container).catch(() => undefined);
      else await removeAppRecord(docker, change.put.app, container).catch(() => undefined);
    } else if ("remove" in change && previous) {
      await writeAppRecord(docker, previous, container).catch(() => undefined);
    }
    throw e;
  }
}
