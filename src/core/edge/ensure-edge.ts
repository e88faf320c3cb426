import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";
import { PrecheckError, UserError } from "../errors.js";
import { HTTP_PORT } from "../render/layout.js";
import { EDGE_BACKLOG, EDGE_CONTAINER, EDGE_HTTPS_PORT, EDGE_NETWORK, EDGE_SITES_FILE, EDGE_STATE_DIR, EDGE_VOLUME } from "../render/edge-layout.js";
import { renderEdgeSites, type EdgeSite } from "../render/edge-sites.js";
import { EDGE_LABEL, ensureEdgeImage } from "./edge-image.js";
import { execOutput } from "./exec-output.js";
import { tarOf } from "./tar.js";
import { checkSitesInImage, refusedConfig } from "./validate-sites.js";

/** Where the edge runs and what it publishes; the defaults are the one edge of an engine. */
export interface EdgeOptions {
  /** The nginx image the edge is built FROM (the app's nginx image: nginx:stable or FDOCK_NGINX_IMAGE). */
  nginxImage: string;
  /** Every site the edge serves (all apps on the engine): the sites file is rendered from these alone. */
  sites: readonly EdgeSite[];
  container?: string;
  imageRepo?: string;
  volume?: string;
  network?: string;
  /** Host ports for HTTP and HTTPS (80 and 443 unless given; 0 for any free port) and the host address. */
  publish?: { http: number; https: number; host?: string };
}

export interface EdgeState {
  container: string;
  image: string;
  /** What ensureEdge did: made the container, replaced it (a new image: a short gap), reloaded its sites, or started it. */
  action: "created" | "replaced" | "reloaded" | "started";
  /** The host ports it publishes. */
  ports: { http: number; https: number };
}

const SITES_NEW = `${EDGE_SITES_FILE}.new`;

/** The edge's network namespace's kernel settings (see containerSpec). */
export const EDGE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.tcp_tw_reuse": "1",
  "net.ipv4.ip_local_port_range": "1024 65000",
  // The queue nginx's `listen ... backlog=` asks for: the kernel caps it at somaxconn (128 before Linux 5.4).
  "net.core.somaxconn": String(EDGE_BACKLOG),
};
const sitesDir = EDGE_SITES_FILE.slice(0, EDGE_SITES_FILE.lastIndexOf("/"));

/**
 * Makes the engine's edge serve `sites`: builds its image when missing, creates its network and
 * container (its state volume mounted), or, when it already runs this image, replaces its sites
 * file and reloads nginx gracefully (`nginx -t` first: a configuration nginx refuses is put back
 * and nothing changes). A container from another image is replaced, which closes ports 80 and 443
 * for the moment between the old edge's graceful stop and the new one's start.
 */
export async function ensureEdge(docker: Docker, options: EdgeOptions): Promise<EdgeState> {
  const sites = renderEdgeSites(options.sites); // bad names stop everything before anything changes
  const name = options.container ?? EDGE_CONTAINER;
  const image = await ensureEdgeImage(docker, options.nginxImage, options.imageRepo);
  await ensureNetwork(docker, options.network ?? EDGE_NETWORK);
  const existing = await docker.getContainer(name).inspect().catch(() => undefined);
  // A new container must start with these sites: checked first, so a running edge is never replaced by one that would not.
  if (!existing || existing.Config.Image !== image || !existing.State.Running) await checkSitesInImage(docker, image, options.volume ?? EDGE_VOLUME, sites);
  let action: EdgeState["action"];
  if (!existing) {
    await createAndStart(docker, name, image, sites, options);
    action = "created";
  } else if (existing.Config.Image !== image) {
    await replace(docker, name, image, sites, options);
    action = "replaced";
  } else if (!existing.State.Running) {
    await putSites(docker, name, sites, EDGE_SITES_FILE);
    await start(docker, name, options);
    action = "started";
  } else {
    await reloadSites(docker, name, sites);
    action = "reloaded";
  }
  return { container: name, image, action, ports: await publishedPorts(docker, name) };
}

/** The edge's network (apps' fronts join it before the edge exists); made once, by whoever comes first. */
export async function ensureNetwork(docker: Docker, network: string = EDGE_NETWORK): Promise<void> {
  if (await docker.getNetwork(network).inspect().then(() => true, () => false)) return;
  await docker.createNetwork({ Name: network, Driver: "bridge", Labels: { [EDGE_LABEL]: "network" } }).catch(async (e: unknown) => {
    // Made at the same moment by another deploy: as good.
    if (!(await docker.getNetwork(network).inspect().then(() => true, () => false))) throw e;
  });
}

function containerSpec(name: string, image: string, options: EdgeOptions): Docker.ContainerCreateOptions {
  const publish = options.publish ?? { http: HTTP_PORT, https: EDGE_HTTPS_PORT };
  const hostPort = (port: number) => [{ HostIp: publish.host ?? "", HostPort: port === 0 ? "" : String(port) }];
  const network = options.network ?? EDGE_NETWORK;
  return {
    name,
    Image: image,
    Labels: { [EDGE_LABEL]: "container" },
    ExposedPorts: { [`${HTTP_PORT}/tcp`]: {}, [`${EDGE_HTTPS_PORT}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${HTTP_PORT}/tcp`]: hostPort(publish.http), [`${EDGE_HTTPS_PORT}/tcp`]: hostPort(publish.https) },
      Mounts: [{ Type: "volume", Source: options.volume ?? EDGE_VOLUME, Target: EDGE_STATE_DIR }],
      RestartPolicy: { Name: "unless-stopped" },
      // Docker's init as PID 1: reaps the renewal loop's children and passes the stop signal to nginx.
      Init: true,
      NetworkMode: network,
      // The edge opens a connection to an app's front per request (its upstreams are resolved per
      // request, which rules out nginx's upstream keepalive): each then waits 60 s in TIME_WAIT, and
      // past about 14,000 of them to one front (240 req/s) the kernel searches its port range on
      // every connect, which cost the edge 20x its CPU per request on the bench, and past 28,000
      // no port is left. Reusing TIME_WAIT ports for new outgoing connections (safe with TCP
      // timestamps, on by default), in the edge's own network namespace only, and the wider range.
      Sysctls: EDGE_SYSCTLS,
    },
    NetworkingConfig: { EndpointsConfig: { [network]: {} } },
  };
}

async function createAndStart(docker: Docker, name: string, image: string, sites: string, options: EdgeOptions): Promise<void> {
  await docker.createContainer(containerSpec(name, image, options));
  await putSites(docker, name, sites, EDGE_SITES_FILE);
  await start(docker, name, options);
}

/**
 * A new image: the old edge stops gracefully (SIGQUIT: requests in flight finish) and steps aside
 * under another name; the new one starts on the same ports. If it cannot, the old one comes back.
 */
async function replace(docker: Docker, name: string, image: string, sites: string, options: EdgeOptions): Promise<void> {
  const old = docker.getContainer(name);
  const asideName = `${name}-replaced-${Date.now()}`;
  await old.stop({ t: 30 }).catch(() => undefined);
  await old.rename({ name: asideName });
  try {
    await createAndStart(docker, name, image, sites, options);
  } catch (e) {
    await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
    await docker.getContainer(asideName).rename({ name });
    await docker.getContainer(name).start().catch(() => undefined);
    throw e;
  }
  await docker.getContainer(asideName).remove({ force: true });
}

/** Puts the sites file into the container (running or not) through the engine API. */
async function putSites(docker: Docker, name: string, sites: string, path: string): Promise<void> {
  const file = path.slice(path.lastIndexOf("/") + 1);
  await docker.getContainer(name).putArchive(tarOf([{ name: file, content: sites }]), { path: sitesDir });
}

/** The new sites file beside the current one, then fdock-edge-reload: validated, graceful, waited for. */
async function reloadSites(docker: Docker, name: string, sites: string): Promise<void> {
  await putSites(docker, name, sites, SITES_NEW);
  const r = await execOutput(docker, name, ["fdock-edge-reload", SITES_NEW]);
  if (r.exitCode === 0) return;
  if (r.stdout.includes("result=refused")) throw refusedConfig(r.stderr + r.stdout);
  throw new UserError("The edge's nginx did not finish reloading its configuration.", `See the edge's log: docker logs ${name}`, (r.stderr + r.stdout).trim());
}

async function start(docker: Docker, name: string, options: EdgeOptions): Promise<void> {
  try {
    await docker.getContainer(name).start();
  } catch (e) {
    const message = (e as Error).message;
    if (/port is already allocated|address already in use/i.test(message)) throw await portTaken(docker, name, message, options);
    throw e;
  }
  await waitServing(docker, name);
}

/** Port 80 or 443 held by something else: says what (a container publishing it, or a program on the host). */
async function portTaken(docker: Docker, name: string, message: string, options: EdgeOptions): Promise<PrecheckError> {
  await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  const publish = options.publish ?? { http: HTTP_PORT, https: EDGE_HTTPS_PORT };
  const port = Number(/:(\d+)(?: failed|: bind)/.exec(message)?.[1] ?? publish.http);
  const holders = await docker.listContainers({ filters: { publish: [String(port)] } }).catch(() => []);
  const holder = holders[0] ? `the container ${holders[0].Names[0]?.replace(/^\//, "")} (${holders[0].Image})` : "a program on the host (not a container)";
  return new PrecheckError(
    `Port ${port} on the Docker host is taken by ${holder}: the edge needs ports ${publish.http} and ${publish.https}.`,
    holders[0] ? "Stop or remove that container (or have it publish another port), then deploy again." : `Find it with \`sudo ss -ltnp 'sport = :${port}'\` on the host, stop it, then deploy again.`,
    message,
  );
}

/** Waits until nginx's workers run (a functional bound); a container that exits shows its log. */
async function waitServing(docker: Docker, name: string): Promise<void> {
  const container = docker.getContainer(name);
  const probe = 'for d in /proc/[0-9]*; do [ "$(tr -d "\\000" <"$d/cmdline" 2>/dev/null)" = "nginx: worker process" ] && exit 0; done; exit 1';
  for (let i = 0; i < 200; i++) {
    const info = await container.inspect();
    // Exited, or restarted by its restart policy after exiting: it will not serve.
    if (!info.State.Running || info.State.Restarting || info.RestartCount > 0) break;
    if ((await execOutput(docker, name, ["sh", "-c", probe]).catch(() => undefined))?.exitCode === 0) return;
    await sleep(100);
  }
  const log = String(await container.logs({ stdout: true, stderr: true, tail: 30 }).catch(() => ""));
  throw new UserError(`The edge container ${name} did not start serving.`, `See its log: docker logs ${name}`, log);
}

async function publishedPorts(docker: Docker, name: string): Promise<EdgeState["ports"]> {
  const ports = (await docker.getContainer(name).inspect()).NetworkSettings.Ports ?? {};
  const host = (key: string) => Number(ports[key]?.[0]?.HostPort ?? 0);
  return { http: host(`${HTTP_PORT}/tcp`), https: host(`${EDGE_HTTPS_PORT}/tcp`) };
}
