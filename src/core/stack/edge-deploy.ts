/**
 * An app behind the engine's edge (production with server.names): before anything changes, its
 * names are checked against the other apps on the engine, its own certificate files read and
 * ports 80 and 443 checked; after its new version serves, its record is put on the edge, and with
 * `tls` its certificate obtained (or reused) and HTTPS switched on; `down` takes it off the edge.
 */
import type Docker from "dockerode";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readAppRecords, putOwnCertificate, type EdgeAppRecord } from "../edge/app-records.js";
import { obtainCertificate, type ObtainResult } from "../edge/certificates.js";
import { ensureNetwork, type EdgeOptions, type EdgeState } from "../edge/ensure-edge.js";
import { syncEdge } from "../edge/sync-edge.js";
import { PrecheckError, UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { edgeNginxImage } from "../project/config-file.js";
import { edgeNames, tlsPlan, type TlsPlan } from "../project/tls.js";
import { EDGE_CONTAINER, EDGE_HTTPS_PORT } from "../render/edge-layout.js";
import { HTTP_PORT } from "../render/layout.js";
import { portIsFree, tcpAnswers } from "../tcp-port.js";
import type { Stack } from "./prepare.js";
import { runningContainers } from "./start.js";

/** What the edge serves for this app once deployed. */
export interface EdgeResult {
  https: boolean;
  ports: EdgeState["ports"];
  /** With ACME: the certificate, and whether it was obtained now or reused. */
  certificate?: ObtainResult;
}

/** The edge's options: ports 80 and 443 on `host` (every address when not given). */
function edgeOptions(env: NodeJS.ProcessEnv, host: string | null | undefined): Omit<EdgeOptions, "sites"> {
  return { nginxImage: edgeNginxImage(env), publish: { http: HTTP_PORT, https: EDGE_HTTPS_PORT, ...(host ? { host } : {}) } };
}

/** The edge's options on this stack's engine: published on every address of a machine, on loopback locally. */
function edgeBase(stack: Stack, env: NodeJS.ProcessEnv): Omit<EdgeOptions, "sites"> {
  return edgeOptions(env, stack.target.publish.host);
}

interface OwnFiles {
  certificate: string;
  key: string;
}

/** The user's certificate and key (paths relative to the project), checked to be PEM; their text goes only into the engine API. */
function readOwnFiles(dir: string, plan: Extract<TlsPlan, { kind: "own" }>): OwnFiles {
  const read = (key: "certificate" | "key", marker: RegExp): string => {
    let text: string;
    try {
      text = readFileSync(resolve(dir, plan[key]), "utf8");
    } catch (e) {
      throw new UserError(`tls.${key}: cannot read ${plan[key]} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, `Give the path of the ${key === "key" ? "private key" : "certificate (chain)"} file in PEM form, relative to the project folder.`);
    }
    if (!marker.test(text)) throw new UserError(`tls.${key}: ${plan[key]} is not a PEM ${key === "key" ? "private key" : "certificate"}.`, `It must hold a -----BEGIN ${key === "key" ? "PRIVATE KEY" : "CERTIFICATE"}----- block (as Let's Encrypt's and most CAs' files do).`);
    return text;
  };
  return { certificate: read("certificate", /-----BEGIN CERTIFICATE-----/), key: read("key", /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/) };
}

function readCaBundle(dir: string, path: string): string {
  try {
    return readFileSync(resolve(dir, path), "utf8");
  } catch (e) {
    throw new UserError(`tls.acme_ca: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, "Give the path of the ACME server's CA bundle (PEM), relative to the project folder.");
  }
}

/** The containers that publish a host port (the engine knows them even before they answer). */
function publishers(docker: Docker, port: number): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ filters: { publish: [String(port)] } }).catch(() => []);
}

/** What holds a host port: a container publishing it, or a program on the host. */
function holderText(holders: Docker.ContainerInfo[]): string {
  return holders[0] ? `the container ${holders[0].Names[0]?.replace(/^\//, "")} (${holders[0].Image})` : "a program on the host (not a container)";
}

/**
 * Before anything is built: the app's names are not another app's on this engine, its TLS files
 * can be read, and (when the engine has no edge yet) ports 80 and 443 are free or held by this
 * app's own front (which gives port 80 to the edge on this deploy).
 */
export async function checkEdge(stack: Stack, remoteHost: string | undefined): Promise<void> {
  const { config, dir } = stack.project;
  const names = edgeNames(config);
  for (const other of await readAppRecords(stack.docker)) {
    if (other.app === config.name) continue;
    const clash = names.find((n) => other.names.includes(n));
    if (clash) {
      throw new PrecheckError(
        `The host name ${clash} is already served by the app ${other.app} on this engine.`,
        `Give each app its own names in server.names, or remove ${other.app} first (\`fdock down\` in its folder).`,
      );
    }
  }
  const plan = tlsPlan(config);
  if (plan?.kind === "own") readOwnFiles(dir, plan);
  if (plan?.kind === "acme" && plan.caFile) readCaBundle(dir, plan.caFile);
  if (!(await stack.docker.getContainer(EDGE_CONTAINER).inspect().then(() => true, () => false))) {
    const fronts = new Set((await runningContainers(stack, "front").catch(() => [])).map((f) => f.Id));
    for (const port of [HTTP_PORT, EDGE_HTTPS_PORT]) {
      // This app's own front on port 80 is the move to the edge: it gives the port up on this deploy.
      const all = await publishers(stack.docker, port);
      const holders = all.filter((c) => !fronts.has(c.Id));
      const ours = all.length > holders.length;
      const taken = holders.length > 0 || (!ours && (remoteHost ? await tcpAnswers(remoteHost, port, 5_000) : !(await portIsFree(port, stack.target.publish.host ?? "0.0.0.0"))));
      if (!taken) continue;
      throw new PrecheckError(
        `Port ${port}${remoteHost ? ` on ${remoteHost}` : ""} is taken by ${holderText(holders)}: the edge that serves apps by host name needs ports ${HTTP_PORT} and ${EDGE_HTTPS_PORT}.`,
        `Stop it (or have it use other ports), then deploy again. An app without server.names is served on its own port instead.`,
      );
    }
  }
  // The front joins the edge's network when compose starts it: the network must be there first.
  await ensureNetwork(stack.docker);
}

/** The app's record on the edge: its names, its front, its TLS. */
export function appRecord(stack: Stack): EdgeAppRecord {
  const { config } = stack.project;
  const plan = tlsPlan(config);
  const alias = stack.target.edge?.alias;
  if (!alias) throw new Error("appRecord: the stack is not served by the edge");
  return { app: config.name, names: edgeNames(config), upstream: `${alias}:${HTTP_PORT}`, tls: plan?.kind ?? "none", ...(plan?.hsts !== undefined ? { hsts: plan.hsts } : {}) };
}

/** After the new version serves: the app on the edge, then its certificate (ACME) and HTTPS. */
export async function serveAtEdge(stack: Stack, reporter: Reporter, env: NodeJS.ProcessEnv): Promise<EdgeResult> {
  const { config, dir } = stack.project;
  const base = edgeBase(stack, env);
  const plan = tlsPlan(config);
  const record = appRecord(stack);
  let { state } = await step(reporter, "edge", "Route the app's names at the edge (ports 80 and 443)", async () => {
    if (plan?.kind === "own") {
      const files = readOwnFiles(dir, plan);
      await syncEdge(stack.docker, base, { none: true }); // the edge must run to take the files
      await putOwnCertificate(stack.docker, config.name, files.certificate, files.key);
    }
    return syncEdge(stack.docker, base, { put: record });
  });
  if (plan?.kind !== "acme") return { https: plan?.kind === "own", ports: state.ports };
  const names = record.names;
  const certificate = await step(reporter, "certificate", `Certificate for ${names.join(", ")} (ACME HTTP-01 at ${new URL(plan.directory).host})`, () =>
    obtainCertificate(stack.docker, names, { email: plan.email, directory: plan.directory, ...(plan.caFile ? { caBundle: readCaBundle(dir, plan.caFile) } : {}) }),
  );
  reporter.emit({ kind: "info", message: `certificate ${certificate.result}: ${certificate.info.issuer}, valid until ${certificate.info.notAfter.toISOString().slice(0, 10)}` });
  // A certificate that was already there was served by the sync above; a new one is loaded now.
  if (certificate.result !== "reused") state = (await syncEdge(stack.docker, base, { none: true })).state;
  return { https: true, ports: state.ports, certificate };
}

/** How the edge publishes now (its host address), so that a replaced edge keeps it. */
async function currentHost(docker: Docker): Promise<string | undefined> {
  const info = await docker.getContainer(EDGE_CONTAINER).inspect().catch(() => undefined);
  return info?.HostConfig.PortBindings?.[`${HTTP_PORT}/tcp`]?.[0]?.HostIp || undefined;
}

/** `down`: the app's record off the edge (its names then get nothing); the edge and its certificates stay. */
export async function leaveEdge(docker: Docker, app: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!(await readAppRecords(docker)).some((r) => r.app === app)) return false;
  await syncEdge(docker, edgeOptions(env, await currentHost(docker)), { remove: app });
  return true;
}

/** Where the app answers at the edge now: HTTPS when it asks for TLS, the edge's published port. */
export async function edgeEntry(stack: Stack): Promise<{ scheme: "http" | "https"; port: number }> {
  const https = tlsPlan(stack.project.config) !== null;
  const info = await stack.docker.getContainer(EDGE_CONTAINER).inspect();
  const key = `${https ? EDGE_HTTPS_PORT : HTTP_PORT}/tcp`;
  return { scheme: https ? "https" : "http", port: Number(info.NetworkSettings.Ports?.[key]?.[0]?.HostPort ?? 0) };
}
