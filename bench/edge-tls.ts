/**
 * HTTPS at the edge (issue 11): /healthz through the engine's edge over HTTPS against plain HTTP
 * through the same stack (edge -> the app's front -> its nginx -> gunicorn), keep-alive clients
 * (wrk: one TLS handshake per connection), in CPU per request of every container on the path, the
 * edge included. Two copies of the example app, built and deployed alike, share the edge: one
 * with its own self-signed certificate (P-256, as ACME clients' default) as tls.certificate/key,
 * served as `localhost` (a name wrk's TLS sends as SNI and that resolves to the loopback the edge
 * publishes on), one without `tls`, served as plain.example.test (wrk sends it as Host). Both are
 * up at once, so wrk asks HTTP, HTTPS, HTTPS, HTTP with nothing redeployed in between and drift
 * on a shared machine hits both alike.
 *
 * The edge owns the engine's ports 80 and 443: the section is skipped when they are taken or an
 * edge (container, volume or network) is already on the engine, which it would otherwise change.
 * It removes everything it made (the apps, the edge's container, volume, network and image) unless
 * BENCH_KEEP=1. `node bench/edge-tls.ts` runs it alone (prints its section); BENCH_EDGE=0 skips it
 * in bench/run.ts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuPerRequest, cpuSnapshot } from "./cpu.ts";
import { run, runSync, type Ran } from "./proc.ts";
import { errorText, meanCpu, ratio, table, type Target } from "./report.ts";
import { EXAMPLE, FDOCK_BIN } from "./stack.ts";
import { parseWrk, wrkArgs, type WrkResult } from "./wrk.ts";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 64;
/** The apps, by scheme: project names on the engine (the bench's prefix, the pid: two benches never collide) and host names. */
const APPS = {
  // Resolves to 127.0.0.1 without DNS: wrk's TLS sends it as SNI (and Host).
  https: { project: `fdock-bench-edge-https-${process.pid}`, name: "localhost" },
  // Asked at 127.0.0.1 with this Host.
  http: { project: `fdock-bench-edge-http-${process.pid}`, name: "plain.example.test" },
} as const;
type Scheme = keyof typeof APPS;
/** The engine's edge, as fdock names it (src/core/render/edge-layout.ts). */
const EDGE = { container: "fdock-edge", volume: "fdock-edge-certs", network: "fdock-edge", repo: "fdock-edge" };
export const WANT = 1.25;
export const TARGET_NAME = "HTTPS vs HTTP through the edge: CPU per request (/healthz, keep-alive)";
/** The containers on the path; their CPU is what the target compares. */
const CONTAINER_PARTS = ["app", "nginx", "edge"] as const;
const PARTS = [...CONTAINER_PARTS, "docker-proxy", "engine"] as const;

type Log = (msg: string) => void;

interface Measured { result: WrkResult; cpu: Record<string, number> }

export interface EdgeTlsResult {
  http: Measured;
  https: Measured;
  /** The edge's nginx version (its base image's). */
  nginx: string;
  /** fdock up's time for each app's deploy (HTTP, then HTTPS). */
  deployMs: number[];
}

/** CPU per request of the containers on the path (app + nginx and front + edge). */
export function containersCpu(cpu: Record<string, number>): number {
  return CONTAINER_PARTS.reduce((a, p) => a + (cpu[p] ?? 0), 0);
}

/** "612 = 300 + 200 + 112 + 0 + 0": total, then app, nginx (front and app nginx), edge, docker-proxy, engine. */
export function edgeCpuText(cpu: Record<string, number>): string {
  const parts = PARTS.map((p) => cpu[p] ?? 0);
  return `${Math.round(parts.reduce((a, b) => a + b, 0))} = ${parts.map((v) => Math.round(v)).join(" + ")}`;
}

/** The target: HTTPS's CPU per request over HTTP's, the stack's containers alone. */
export function edgeTlsTarget(r: EdgeTlsResult): Target {
  const x = containersCpu(r.https.cpu) / containersCpu(r.http.cpu);
  return {
    name: TARGET_NAME,
    want: `<= ${WANT}`,
    got: `${ratio(x)} (${Math.round(containersCpu(r.https.cpu))} vs ${Math.round(containersCpu(r.http.cpu))} us)`,
    pass: x <= WANT,
    why: `TLS adds the handshake of each new connection and the encryption of every request and answer, in the edge alone (edge: ${Math.round(r.https.cpu.edge ?? 0)} us per request over HTTPS, ${Math.round(r.http.cpu.edge ?? 0)} us over HTTP); the app, its nginx and front do the same work either way`,
  };
}

/** The section of bench/RESULTS.md (Markdown). */
export function edgeTlsSection(r: EdgeTlsResult): string {
  const row = (label: string, m: Measured) => [label, Math.round(m.result.rps).toLocaleString("en-US"), `${m.result.p50Ms.toFixed(1)} ms`, `${m.result.p99Ms.toFixed(1)} ms`, errorText(m.result), edgeCpuText(m.cpu)];
  const x = containersCpu(r.https.cpu) / containersCpu(r.http.cpu);
  return [
    "## HTTPS at the edge: /healthz over HTTPS vs plain HTTP, same stack",
    "",
    table(
      ["/healthz through the edge", "req/s", "p50", "p99", "errors", "CPU us/req = app + nginx + edge + proxy + engine"],
      [
        row(`HTTPS (self-signed P-256 certificate; ${CONNECTIONS} keep-alive connections, 2 runs)`, r.https),
        row(`plain HTTP (the same app deployed without tls, same edge; 2 runs)`, r.http),
      ],
    ),
    "",
    `Two copies of the example, built and deployed alike behind the engine's edge (${r.nginx}): edge -> the app's front -> its nginx -> gunicorn. One has its own certificate (tls.certificate/key) and is served as ${APPS.https.name}, the other has no \`tls\` and is served as ${APPS.http.name} (fdock up: ${r.deployMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")}); wrk asks HTTP, HTTPS, HTTPS, HTTP, nothing redeployed in between. Each wrk connection stays open for the whole run (one TLS handshake each). CPU per request from /proc, by container of the app asked: the app (gunicorn), nginx (the app's front and nginx), the edge, and outside the containers Docker's port proxy and the engine. HTTPS costs the stack's containers ${ratio(x)}x the CPU of plain HTTP per request (${ratio((containersCpu(r.https.cpu) + (r.https.cpu["docker-proxy"] ?? 0) + (r.https.cpu.engine ?? 0)) / (containersCpu(r.http.cpu) + (r.http.cpu["docker-proxy"] ?? 0) + (r.http.cpu.engine ?? 0)))}x with the port proxy and the engine).`,
  ].join("\n");
}

/** Whether nothing listens on 127.0.0.1:port (a bind that is only not allowed to this user is no proof of one: dockerd binds it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve(e.code !== "EADDRINUSE"));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const exists = (kind: "container" | "volume" | "network", name: string) => runSync("docker", [kind, "inspect", name], { allowFail: true }).code === 0;
const edgeImages = () => runSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", EDGE.repo]).out.split("\n").filter(Boolean);

/** Why the section cannot run on this engine now, or null. */
export async function edgeTlsBlocked(): Promise<string | null> {
  for (const [kind, name] of [["container", EDGE.container], ["volume", EDGE.volume], ["network", EDGE.network]] as const) {
    if (exists(kind, name)) return `the engine already has an edge (${kind} ${name}), which this section would change`;
  }
  for (const port of [80, 443]) if (!(await portFree(port))) return `port ${port} on 127.0.0.1 is taken (the edge needs 80 and 443)`;
  return null;
}

/** The containers on one app's path: full id -> part (gunicorn: app; nginx and front: nginx; the edge). */
function pathContainers(project: string): Map<string, string> {
  const map = new Map<string, string>();
  const out = runSync("docker", ["ps", "--no-trunc", "--filter", `label=com.docker.compose.project=${project}`, "--format", '{{.ID}}\t{{.Label "com.docker.compose.service"}}']).out;
  for (const line of out.split("\n").filter(Boolean)) {
    const [id, service] = line.split("\t");
    const part = service === "gunicorn" ? "app" : service === "nginx" || service === "front" ? "nginx" : undefined;
    if (id && part) map.set(id, part);
  }
  map.set(runSync("docker", ["inspect", "--format", "{{.Id}}", EDGE.container]).out.trim(), "edge");
  return map;
}

/** wrk's URL and Host header for an app: HTTPS by its name (SNI), HTTP at 127.0.0.1 with its name as Host. */
function target(scheme: Scheme): { url: string; headers: string[] } {
  const { name } = APPS[scheme];
  return scheme === "https" ? { url: `https://${name}/healthz`, headers: [] } : { url: "http://127.0.0.1/healthz", headers: [`Host: ${name}`] };
}

async function measure(log: Log, scheme: Scheme): Promise<Measured> {
  const durationS = DURATION / 2;
  const { url, headers } = target(scheme);
  if (WARMUP > 0) await run("wrk", wrkArgs({ url, headers, connections: CONNECTIONS, durationS: WARMUP }), { timeoutMs: (WARMUP + 30) * 1000 });
  const ids = pathContainers(APPS[scheme].project);
  const before = cpuSnapshot(ids);
  const r = await run("wrk", wrkArgs({ url, headers, connections: CONNECTIONS, durationS }), { timeoutMs: (durationS + 30) * 1000 });
  const after = cpuSnapshot(ids);
  const result = parseWrk(r.out);
  const cpu = cpuPerRequest(before, after, result.requests);
  log(`  ${scheme}://${APPS[scheme].name}/healthz: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, errors ${errorText(result)}, CPU us/req ${edgeCpuText(cpu)}`);
  return { result, cpu };
}

function combine(ms: Measured[]): Measured {
  const requests = ms.reduce((a, m) => a + m.result.requests, 0);
  const durationS = ms.reduce((a, m) => a + m.result.durationS, 0);
  const socket = { connect: 0, read: 0, write: 0, timeout: 0 };
  for (const m of ms) for (const k of Object.keys(socket) as Array<keyof typeof socket>) socket[k] += m.result.socket[k];
  return {
    result: {
      rps: requests / durationS,
      requests,
      durationS,
      p50Ms: ms.reduce((a, m) => a + m.result.p50Ms, 0) / ms.length,
      p99Ms: Math.max(...ms.map((m) => m.result.p99Ms)),
      non2xx: ms.reduce((a, m) => a + m.result.non2xx, 0),
      socket,
      errors: ms.reduce((a, m) => a + m.result.errors, 0),
    },
    cpu: meanCpu(ms.map((m) => m.cpu)),
  };
}

/** A self-signed certificate for the HTTPS app's name: ECDSA P-256, the key type ACME clients (lego, certbot) default to. */
function makeCertificate(dir: string): void {
  const { name } = APPS.https;
  runSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`, "-keyout", join(dir, "bench-key.pem"), "-out", join(dir, "bench-cert.pem")]);
}

/** A copy of the example as one of the two apps, in root/SCHEME. */
function makeApp(root: string, scheme: Scheme): string {
  const app = join(root, scheme);
  cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/(\/\.fdock|\/instance|__pycache__)(\/|$)/.test(src) });
  let yaml = readFileSync(join(app, "fdock.yaml"), "utf8")
    .replace(/^name: .*$/m, `name: ${APPS[scheme].project}`)
    .replace(/^( +)names: .*$/m, `$1names: [${APPS[scheme].name}]`);
  if (scheme === "https") {
    makeCertificate(app);
    yaml += "tls:\n  certificate: bench-cert.pem\n  key: bench-key.pem\n";
  }
  writeFileSync(join(app, "fdock.yaml"), yaml);
  return app;
}

async function deploy(app: string, scheme: Scheme): Promise<number> {
  const { name } = APPS[scheme];
  const r: Ran = await run(process.execPath, [FDOCK_BIN, "-C", app, "up", "--production", "--json"], { timeoutMs: 300_000 });
  const url = (JSON.parse(r.out) as { url: string }).url;
  if (!url.startsWith(`${scheme}://${name}`)) throw new Error(`fdock up served ${url}, not ${scheme}://${name}/`);
  // The answer through the edge, as wrk will ask (-k: the bench's own certificate).
  const { url: asked, headers } = target(scheme);
  const code = runSync("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", ...headers.flatMap((h) => ["-H", h]), asked]).out;
  if (code !== "200") throw new Error(`${scheme}://${name}/healthz answered ${code} after the deploy`);
  return r.ms;
}

/** The teardown of the run under way (null when none): an interrupted bench calls it through stopEdgeTls. */
let tearingDown: (() => Promise<void>) | null = null;

/** Removes what a run under way made (for a SIGINT or SIGTERM): the app, the edge, its image, the copy. */
export async function stopEdgeTls(): Promise<void> {
  await tearingDown?.();
}

export async function edgeTls(log: Log): Promise<EdgeTlsResult> {
  const root = mkdtempSync(join(tmpdir(), "fdock-bench-edge-"));
  const apps = { http: makeApp(root, "http"), https: makeApp(root, "https") };
  const imagesBefore = new Set(edgeImages());
  let done: Promise<void> | undefined;
  // Once, whoever asks first (the end of the run or a signal).
  const teardown = () => (done ??= (async () => {
    log("edge: tearing down (the apps, then the edge's container, volume, network and image)");
    for (const app of Object.values(apps)) await run(process.execPath, [FDOCK_BIN, "-C", app, "down", "--volumes", "--yes"], { timeoutMs: 120_000, allowFail: true });
    await run("docker", ["rm", "--force", "--volumes", EDGE.container], { allowFail: true });
    await run("docker", ["volume", "rm", EDGE.volume], { allowFail: true });
    await run("docker", ["network", "rm", EDGE.network], { allowFail: true });
    const projects = Object.values(APPS).map((a) => a.project);
    const refs = runSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"]).out.split("\n").filter((r) => projects.some((p) => r.startsWith(`fdock-${p}-`)));
    const untagged = projects.flatMap((p) => runSync("docker", ["images", "-q", "--filter", `label=com.docker.compose.project=${p}`]).out.split("\n").filter(Boolean));
    const edgeNew = edgeImages().filter((r) => !imagesBefore.has(r));
    await run("docker", ["image", "rm", "--force", ...refs, ...edgeNew, ...new Set(untagged)], { allowFail: true });
    rmSync(root, { recursive: true, force: true });
  })());
  tearingDown = teardown;
  try {
    log(`edge: ${APPS.http.project} (HTTP, as ${APPS.http.name}) and ${APPS.https.project} (HTTPS, as ${APPS.https.name}) behind the engine's edge; /healthz at ${CONNECTIONS} connections`);
    const deployMs = [await deploy(apps.http, "http"), await deploy(apps.https, "https")];
    const http = [await measure(log, "http")];
    const https = [await measure(log, "https"), await measure(log, "https")];
    http.push(await measure(log, "http"));
    const v = runSync("docker", ["exec", EDGE.container, "nginx", "-v"]);
    return { http: combine(http), https: combine(https), nginx: (v.err + v.out).trim().replace(/^nginx version: /, ""), deployMs };
  } finally {
    if (process.env.BENCH_KEEP === "1") log(`edge: kept ${root}, both apps and the edge (BENCH_KEEP=1)`);
    else await teardown();
    tearingDown = null;
  }
}

if (import.meta.main) {
  const started = performance.now();
  const log: Log = (msg) => process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
  const onSignal = () => { log("interrupted: tearing down"); stopEdgeTls().finally(() => process.exit(130)); };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  edgeTlsBlocked().then(async (blocked) => {
    if (blocked) throw new Error(`cannot run: ${blocked}`);
    const r = await edgeTls(log);
    const t = edgeTlsTarget(r);
    process.stdout.write(`${edgeTlsSection(r)}\n\n${t.name}: ${t.got}, wanted ${t.want}: ${t.pass ? "PASS" : "FAIL"}\n`);
  }).catch((e: unknown) => {
    process.stderr.write(`edge bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
