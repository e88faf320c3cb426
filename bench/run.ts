/**
 * fdock's benchmark (issue 5): the served app, redeploys and the CLI, each against its baseline,
 * measured side by side in one run on the local engine. `npm run bench` (builds fdock first).
 *
 * Environment: BENCH_DURATION (s per wrk run, default 10), BENCH_WARMUP (s, default 2),
 * BENCH_REDEPLOYS (code-only redeploys of each kind, default 3), BENCH_KEEP=1 keeps the temp
 * copy and the stack for a look afterwards, BENCH_REMOTE=0 skips the remote redeploy over SSH
 * (bench/remote-bytes.ts), BENCH_EDGE=0 skips HTTPS vs HTTP through the edge (bench/edge-tls.ts,
 * which needs the engine's ports 80 and 443 and no edge on it; `node bench/edge-tls.ts` runs it
 * alone), BENCH_CLUSTER=0 skips the cluster rows (bench/cluster.ts: a code-only redeploy to three
 * SSH hosts made a Swarm cluster vs to one of them, failed requests during a rolling update and a
 * node loss; `node bench/cluster.ts` runs it alone).
 */
import { availableParallelism } from "node:os";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuPerRequest, cpuSnapshot } from "./cpu.ts";
import { pollUntil, run, runSync } from "./proc.ts";
import {
  bytes, cpuText, errorText, ioTable, loadTable, meanCpu, median, ratio, seconds, table, targetTable,
  type LoadRow, type Target,
} from "./report.ts";
import {
  DIRECT_OVERRIDE, FDOCK_BIN, NAIVE_IMAGE, PROJECT, REPO, VENV_BLOB_BYTES,
  askDuring, commandOverride, compose, containers, contextDump, contextSent, fdock, keepAsking, makeWorkspace, naiveOverride,
  pipStepMs, publishedPort, recreate, removeWorkspace, writeOverride, type Workspace,
} from "./stack.ts";
import { parseWrk, wrkArgs, type WrkResult } from "./wrk.ts";
import { remoteBytes, remoteSection, remoteTarget, type RemoteResult } from "./remote-bytes.ts";
import { edgeTls, edgeTlsBlocked, edgeTlsSection, edgeTlsTarget, stopEdgeTls, TARGET_NAME as EDGE_TARGET, WANT as EDGE_WANT, type EdgeTlsResult } from "./edge-tls.ts";
import { clusterBench, clusterReported, clusterSection, clusterTarget, stopCluster, TARGET_NAME as CLUSTER_TARGET, WANT as CLUSTER_WANT, type ClusterResult } from "./cluster.ts";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const IO_MS = 50;
const IO_CONNECTIONS = 64;
const LIMIT = IO_CONNECTIONS / (IO_MS / 1000);
/** Many clients at once (issue 8): nginx's connection limits, not gunicorn, are what this measures. */
const MANY_CONNECTIONS = [256, 1024] as const;
const TRIVIAL_CONNECTIONS = 64;
const CPU_CONNECTIONS = 16;
const CPU_N = 20_000;
const CLI_RUNS = 25;
const REDEPLOYS = Number(process.env.BENCH_REDEPLOYS ?? 3);
/** Requirements lines the dependency-change rows add, one per run (all in the rig's index). */
const NEW_DEPENDENCIES = ["python-dotenv", "redis"];
const APP = "flask_blog:create_app()";
const started = performance.now();

function log(msg: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`bench [${t} s] ${msg}\n`);
}

function preflight(): void {
  if (runSync("sh", ["-c", "command -v wrk"], { allowFail: true }).code !== 0) {
    throw new Error("wrk is not installed: `apt-get install -y wrk` (or bench/setup.sh)");
  }
  if (runSync("docker", ["info", "--format", "{{.ServerVersion}}"], { allowFail: true }).code !== 0) {
    throw new Error("no Docker engine answers: start dockerd (scripts/rig does)");
  }
  if (!existsSync(FDOCK_BIN)) throw new Error("fdock is not built: `npx tsc -p .` (npm run bench does it)");
}

interface Measured { result: WrkResult; cpu: Record<string, number> }

/** One wrk run after a warm-up, with the CPU each part of the path spent per request. */
async function wrk(url: string, connections: number, ids: Map<string, string>, durationS = DURATION): Promise<Measured> {
  if (WARMUP > 0) await run("wrk", wrkArgs({ url, connections, durationS: WARMUP }), { timeoutMs: (WARMUP + 30) * 1000 });
  const before = cpuSnapshot(ids);
  const r = await run("wrk", wrkArgs({ url, connections, durationS }), { timeoutMs: (durationS + 30) * 1000 });
  const after = cpuSnapshot(ids);
  const result = parseWrk(r.out);
  const cpu = cpuPerRequest(before, after, result.requests);
  log(`  ${url}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, errors ${errorText(result)}, CPU us/req ${cpuText(cpu)}`);
  return { result, cpu };
}

function combineMeasured(ms: Measured[]): Measured {
  return { result: combine(ms.map((m) => m.result)), cpu: meanCpu(ms.map((m) => m.cpu)) };
}

/** Several wrk runs of the same thing, as one: total requests over total time, worst p99. */
function combine(rs: WrkResult[]): WrkResult {
  const requests = rs.reduce((a, r) => a + r.requests, 0);
  const durationS = rs.reduce((a, r) => a + r.durationS, 0);
  const socket = { connect: 0, read: 0, write: 0, timeout: 0 };
  for (const r of rs) for (const k of Object.keys(socket) as Array<keyof typeof socket>) socket[k] += r.socket[k];
  const non2xx = rs.reduce((a, r) => a + r.non2xx, 0);
  return {
    rps: requests / durationS,
    requests,
    durationS,
    p50Ms: rs.reduce((a, r) => a + r.p50Ms, 0) / rs.length,
    p99Ms: Math.max(...rs.map((r) => r.p99Ms)),
    non2xx,
    socket,
    errors: rs.reduce((a, r) => a + r.errors, 0),
  };
}

function cliTimes(): { fdockMs: number; nodeMs: number } {
  const fdockMs: number[] = [];
  const nodeMs: number[] = [];
  // Interleaved, so drift on a noisy machine hits both alike; one unmeasured run of each first.
  for (let i = 0; i <= CLI_RUNS; i++) {
    const a = runSync(process.execPath, [FDOCK_BIN, "--help"]).ms;
    const b = runSync(process.execPath, ["-e", "0"]).ms;
    if (i > 0) { fdockMs.push(a); nodeMs.push(b); }
  }
  return { fdockMs: median(fdockMs), nodeMs: median(nodeMs) };
}

interface Versions { engine: string; compose: string; gunicorn: string; python: string; nginx: string; node: string; wrk: string }

function versions(): Versions {
  const gunicornImage = `fdock-${PROJECT}-gunicorn:latest`;
  const nginxImage = `fdock-${PROJECT}-nginx:latest`;
  const py = runSync("docker", ["run", "--rm", "--entrypoint", "python", gunicornImage, "-c",
    "import sys, gunicorn, flask, gevent; print(sys.version.split()[0], gunicorn.__version__, flask.__version__, gevent.__version__)"]).out.trim().split(" ");
  const nginx = runSync("docker", ["run", "--rm", nginxImage, "nginx", "-v"]);
  return {
    engine: runSync("docker", ["version", "--format", "{{.Server.Version}}"]).out.trim(),
    compose: runSync("docker", ["compose", "version", "--short"]).out.trim(),
    python: py[0] ?? "?",
    gunicorn: `${py[1]} (Flask ${py[2]}, gevent ${py[3]})`,
    nginx: (nginx.err + nginx.out).trim().replace(/^nginx version: /, ""),
    node: process.versions.node,
    wrk: (runSync("wrk", ["--version"], { allowFail: true }).out.split("\n")[0] ?? "").trim(),
  };
}

interface Plan { workerClass: string; workers: number; connections: number; threads: number; reason: string }

async function fdockUp(ws: Workspace, verbose = false): Promise<{ port: number; ms: number; progress: string; plan?: Plan }> {
  const r = await fdock(ws, ["up", "--production", "--port", "0", verbose ? "--verbose" : "--json"]);
  if (verbose) {
    const m = /serving at http:\/\/localhost:(\d+)\//.exec(r.out);
    if (!m) throw new Error(`fdock up printed no URL:\n${r.out}`);
    return { port: Number(m[1]), ms: r.ms, progress: r.err };
  }
  const json = JSON.parse(r.out) as { port: number; workers: Plan };
  return { port: json.port, ms: r.ms, progress: r.err, plan: json.workers };
}

function setVersion(ws: Workspace, v: string): void {
  writeFileSync(join(ws.app, "flask_blog/version.py"), `VERSION = ${JSON.stringify(v)}\n`);
}

async function served(port: number, v: string): Promise<number> {
  return pollUntil(`http://127.0.0.1:${port}/api/version`, (b) => (JSON.parse(b) as { version: string }).version === v, 120_000);
}

interface Redeploy {
  ms: number; buildMs: number; releaseMs: number; startMs: number; sent: number | null;
  /** The gunicorn image's pip step (0: from the cache). */
  pipMs: number | null;
  /** Requests to the running site during the redeploy that got no 200 (fdock only: its front keeps its port). */
  failed?: { asked: number; failed: number };
}

/** fdock's own step timings from its progress lines, e.g. "✔ Build gunicorn and nginx images (0.9 s)". */
function stepMs(progress: string, step: RegExp): number {
  for (const line of progress.split("\n")) {
    const m = /^✔ (.*) \(([\d.]+) s\)\s*$/.exec(line);
    if (m && step.test(m[1]!)) return Number(m[2]) * 1000;
  }
  return Number.NaN;
}

async function redeployFdock(ws: Workspace, v: string, change: () => void = () => setVersion(ws, v)): Promise<Redeploy> {
  change();
  // The site that runs now (fdock's or the naive one, behind the same compose project's front:
  // in production the front alone publishes the port).
  const before = await publishedPort(ws, [], "front", 80).catch(() => null);
  const asking = before === null ? null : keepAsking(() => `http://127.0.0.1:${before}/api/version`);
  const t0 = performance.now();
  let failed: { asked: number; failed: number } | undefined;
  let up: Awaited<ReturnType<typeof fdockUp>>;
  try {
    up = await fdockUp(ws, true);
    await served(up.port, v);
  } finally {
    failed = await asking?.stop();
  }
  const ms = performance.now() - t0;
  const r: Redeploy = {
    ms,
    buildMs: stepMs(up.progress, /^Build /),
    releaseMs: stepMs(up.progress, /^Release/),
    startMs: stepMs(up.progress, /^Start /),
    sent: contextSent(up.progress, "gunicorn"),
    pipMs: pipStepMs(up.progress, "gunicorn"),
    ...(failed ? { failed } : {}),
  };
  log(`  fdock redeploy to ${v}: ${seconds(ms)} (build ${seconds(r.buildMs)}, pip ${seconds(r.pipMs ?? Number.NaN)}, release ${seconds(r.releaseMs)}, start ${seconds(r.startMs)}; ${failed ? `${failed.failed} of ${failed.asked} requests failed` : "not asked"})`);
  return r;
}

async function deployNaive(ws: Workspace, v: string, change: () => void = () => setVersion(ws, v)): Promise<Redeploy> {
  change();
  const t0 = performance.now();
  const build = await compose(ws, ["naive"], ["--progress", "plain", "build", "gunicorn"]);
  const release = await compose(ws, ["naive"], ["run", "--rm", "--no-deps", "release"]);
  const start = await compose(ws, ["naive"], ["up", "--detach", "--wait", "--no-build", "--remove-orphans", "gunicorn", "nginx"]);
  // The front resolved the old nginx's address: a naive compose user must reload it too.
  await compose(ws, ["naive"], ["kill", "-s", "HUP", "front"]);
  const port = await publishedPort(ws, ["naive"], "front", 80);
  await served(port, v);
  const ms = performance.now() - t0;
  const progress = build.err + build.out;
  const r: Redeploy = { ms, buildMs: build.ms, releaseMs: release.ms, startMs: start.ms, sent: contextSent(progress, "gunicorn"), pipMs: pipStepMs(progress, "gunicorn") };
  log(`  naive redeploy to ${v}: ${seconds(ms)} (build ${seconds(r.buildMs)}, pip ${seconds(r.pipMs ?? Number.NaN)}, release ${seconds(r.releaseMs)}, start ${seconds(r.startMs)})`);
  return r;
}

interface SettingsRedeploy { ms: number; requests: number; failed: number; statuses: string }

/** A redeploy that changes only nginx settings (client_max_body_size), with clients asking throughout. */
async function redeployNginxSettings(ws: Workspace): Promise<SettingsRedeploy> {
  // Back to fdock's own containers first (the naive redeploys replaced them), not measured.
  const { port } = await fdockUp(ws);
  const file = join(ws.app, "fdock.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace(/client_max_body_size: .*/, "client_max_body_size: 11m"));
  const asking = askDuring(`http://127.0.0.1:${port}/api/version`);
  const t0 = performance.now();
  await fdockUp(ws);
  const ms = performance.now() - t0;
  const counts = await asking.stop();
  const requests = [...counts.values()].reduce((a, n) => a + n, 0);
  const failed = requests - (counts.get(200) ?? 0);
  const statuses = [...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? "no answer" : s}: ${n}`).join(", ");
  log(`  nginx-settings redeploy: ${seconds(ms)}, ${requests} requests during it, ${failed} failed (${statuses})`);
  return { ms, requests, failed, statuses };
}

async function teardown(ws: Workspace): Promise<void> {
  await fdock(ws, ["down", "--volumes", "--yes"], 120_000).catch((e: Error) => log(`fdock down failed: ${e.message}`));
  await compose(ws, ["naive"], ["down", "--volumes", "--remove-orphans"], 120_000).catch(() => undefined);
  // Every image of the project: :latest, the release tags and records, the front.
  const refs = runSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"]).out.split("\n").filter((r) => r.startsWith(`fdock-${PROJECT}-`));
  // And the untagged ones compose built for this project (a build whose tag moved on).
  const untagged = runSync("docker", ["images", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`]).out.split("\n").filter(Boolean);
  await run("docker", ["image", "rm", "--force", ...refs, NAIVE_IMAGE, ...new Set(untagged)], { allowFail: true });
  removeWorkspace(ws);
}

async function main(): Promise<void> {
  preflight();
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  log(`CLI: ${CLI_RUNS} interleaved runs each of \`fdock --help\` and \`node -e 0\``);
  const cli = cliTimes();
  log(`  fdock --help ${cli.fdockMs.toFixed(0)} ms, node -e 0 ${cli.nodeMs.toFixed(0)} ms`);

  const ws = makeWorkspace();
  let interrupted = false;
  const onSignal = () => { interrupted = true; log("interrupted: tearing down"); Promise.all([teardown(ws), stopEdgeTls(), stopCluster()]).finally(() => process.exit(130)); };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`workspace ${ws.app}; fdock up --production (first deploy, builds both images)`);
    const first = await fdockUp(ws);
    const plan = first.plan!;
    const cpus = Number(runSync("docker", ["info", "--format", "{{.NCPU}}"]).out.trim());
    log(`  up in ${seconds(first.ms)}: ${plan.workers} ${plan.workerClass} workers (${plan.reason})`);
    const textbook = 2 * cpus + 1;
    const io = `/api/io?ms=${IO_MS}`;

    // I/O-bound: fdock's stack first and last, the baselines in between, all behind the same nginx.
    log(`I/O-bound ${io} at ${IO_CONNECTIONS} connections (limit ${LIMIT} req/s)`);
    const fdockIo: Measured[] = [await wrk(`http://127.0.0.1:${first.port}${io}`, IO_CONNECTIONS, await containers(ws, []))];
    const baselines: Array<{ name: string; detail: string; argv: string[]; stopSignal?: string }> = [
      { name: "gunicorn default", detail: "1 sync worker", argv: ["python", "-m", "gunicorn", "--bind", "0.0.0.0:8000", APP] },
      { name: "textbook sync", detail: `2 x ${cpus} CPUs + 1 = ${textbook} sync workers`, argv: ["python", "-m", "gunicorn", "--workers", String(textbook), "--bind", "0.0.0.0:8000", APP] },
      { name: "Flask dev server", detail: "`flask run`, threaded", argv: ["python", "-m", "flask", "--app", APP, "run", "--host", "0.0.0.0", "--port", "8000"], stopSignal: "SIGINT" },
    ];
    const baseRows: LoadRow[] = [];
    for (const b of baselines) {
      const name = `baseline-${baselines.indexOf(b)}`;
      writeOverride(ws, name, commandOverride(b.argv, b.stopSignal));
      const port = await recreate(ws, [name]);
      log(` ${b.name}:`);
      baseRows.push({ name: b.name, detail: b.detail, ...(await wrk(`http://127.0.0.1:${port}${io}`, IO_CONNECTIONS, await containers(ws, [name]))) });
    }
    const fdockPort = await recreate(ws, []);
    fdockIo.push(await wrk(`http://127.0.0.1:${fdockPort}${io}`, IO_CONNECTIONS, await containers(ws, [])));
    const fdockDetail = `${plan.workers} ${plan.workerClass} workers` +
      (plan.workerClass === "gevent" ? ` x ${plan.connections} connections` : plan.workerClass === "gthread" ? ` x ${plan.threads} threads` : "");
    const ioRows: LoadRow[] = [{ name: "fdock default", detail: `${fdockDetail}; 2 runs`, ...combineMeasured(fdockIo) }, ...baseRows];

    // Many clients: the same stack at 256 and 1,024 connections (each proxied client holds two of nginx's).
    log(`many clients: ${io} at ${MANY_CONNECTIONS.join(" and ")} connections on fdock's stack`);
    const fdockIds = await containers(ws, []);
    // Interleaved, so a busy moment on the shared machine hits both counts alike. Full-length runs:
    // every wrk run opens all its connections at once, a cost that a 5 s run would overweight.
    const many = new Map<number, Measured[]>(MANY_CONNECTIONS.map((n) => [n, []]));
    for (let i = 0; i < 2; i++) {
      for (const n of MANY_CONNECTIONS) many.get(n)!.push(await wrk(`http://127.0.0.1:${fdockPort}${io}`, n, fdockIds));
    }
    const manyRows: LoadRow[] = MANY_CONNECTIONS.map((n) => ({
      name: `${n.toLocaleString("en-US")} connections`,
      detail: `limit ${(n / (IO_MS / 1000)).toLocaleString("en-US")} req/s; 2 runs`,
      ...combineMeasured(many.get(n)!),
    }));
    const [at256, at1024] = manyRows.map((r) => r.result) as [WrkResult, WrkResult];

    // nginx's cost: the same gunicorn container reached through nginx and directly.
    log("nginx's cost: /healthz and /api/cpu through nginx and direct to gunicorn (bench-only published port)");
    writeOverride(ws, "direct", DIRECT_OVERRIDE);
    const nginxPort = await recreate(ws, ["direct"]);
    const gunicornPort = await publishedPort(ws, ["direct"], "gunicorn", 8000);
    const ids = await containers(ws, ["direct"]);
    const viaNginx: Measured[] = [];
    const direct: Measured[] = [];
    for (let i = 0; i < 2; i++) {
      viaNginx.push(await wrk(`http://127.0.0.1:${nginxPort}/healthz`, TRIVIAL_CONNECTIONS, ids, DURATION / 2));
      direct.push(await wrk(`http://127.0.0.1:${gunicornPort}/healthz`, TRIVIAL_CONNECTIONS, ids, DURATION / 2));
    }
    const cpuPath = `/api/cpu?n=${CPU_N}`;
    const cpuNginx = await wrk(`http://127.0.0.1:${nginxPort}${cpuPath}`, CPU_CONNECTIONS, ids, DURATION / 2);
    const cpuDirect = await wrk(`http://127.0.0.1:${gunicornPort}${cpuPath}`, CPU_CONNECTIONS, ids, DURATION / 2);
    const healthNginx = combineMeasured(viaNginx);
    const healthDirect = combineMeasured(direct);
    const costRows: LoadRow[] = [
      { name: "/healthz via nginx", detail: `fdock's stack, ${TRIVIAL_CONNECTIONS} connections, 2 runs`, ...healthNginx },
      { name: "/healthz direct", detail: "same gunicorn, published on 127.0.0.1, 2 runs", ...healthDirect },
      { name: `${cpuPath} via nginx`, detail: `${CPU_CONNECTIONS} connections`, ...cpuNginx },
      { name: `${cpuPath} direct`, detail: "same gunicorn", ...cpuDirect },
    ];
    const ver = versions();

    // Redeploy: a one-line code change until /api/version serves it; fdock and naive alternate.
    log("redeploy: one-line change to flask_blog/version.py until /api/version serves it");
    writeOverride(ws, "naive", naiveOverride(ws));
    const fdockDumps = await contextDump(ws, "fdock", join(ws.bundle, "gunicorn.Dockerfile.dockerignore"));
    const naiveDumps = await contextDump(ws, "naive", null);
    log("  naive first deploy (not timed)");
    await deployNaive(ws, "naive-0");
    const fdockRe: Redeploy[] = [];
    const naiveRe: Redeploy[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      fdockRe.push(await redeployFdock(ws, `fdock-${i}`));
      naiveRe.push(await deployNaive(ws, `naive-${i}`));
    }
    log("redeploy changing only nginx settings (client_max_body_size), 4 clients asking throughout");
    const settings = await redeployNginxSettings(ws);
    const fdockMs = median(fdockRe.map((r) => r.ms));
    const buildRatio = median(fdockRe.map((r) => r.buildMs)) / median(naiveRe.map((r) => r.buildMs));
    const naiveMs = median(naiveRe.map((r) => r.ms));
    const fdockFailed = fdockRe.reduce((a, r) => a + (r.failed?.failed ?? 0), 0);
    const fdockAsked = fdockRe.reduce((a, r) => a + (r.failed?.asked ?? 0), 0);

    // A dependency change: one line added to requirements.txt, then the same redeploy; pip runs on both sides.
    log("dependency change: one line added to requirements.txt, then a redeploy");
    const fdockDep: Redeploy[] = [];
    const naiveDep: Redeploy[] = [];
    const requirements = join(ws.app, "requirements.txt");
    // A comment unique to this run goes with the new line: BuildKit's cache on this engine may
    // hold the pip layer of the same requirements from an earlier bench run, which would measure
    // a cache hit instead of the install a user's dependency change costs.
    const run = Date.now().toString(36);
    for (const [i, dep] of NEW_DEPENDENCIES.entries()) {
      fdockDep.push(await redeployFdock(ws, `fdock-dep-${i}`, () => { setVersion(ws, `fdock-dep-${i}`); appendFileSync(requirements, `# bench run ${run}\n${dep}\n`); }));
      // The naive image installs every requirement on every build: a dependency change costs it what a code change does.
      naiveDep.push(await deployNaive(ws, `naive-dep-${i}`));
    }

    // Remote: a code-only redeploy over SSH to a test SSH host, in bytes sent (its own host and engine).
    let remote: RemoteResult | { skipped: string };
    if (process.env.BENCH_REMOTE === "0") remote = { skipped: "skipped (BENCH_REMOTE=0)" };
    else {
      remote = await remoteBytes(log).catch((e: Error) => {
        log(`remote redeploy failed: ${e.message}`);
        return { skipped: `failed: ${e.message.split("\n")[0]}` };
      });
    }

    // HTTPS vs plain HTTP through the engine's edge (its own copy of the app, ports 80 and 443).
    let edge: EdgeTlsResult | { skipped: string };
    const edgeBlocked = process.env.BENCH_EDGE === "0" ? "skipped (BENCH_EDGE=0)" : await edgeTlsBlocked();
    if (edgeBlocked) edge = { skipped: edgeBlocked.startsWith("skipped") ? edgeBlocked : `skipped: ${edgeBlocked}` };
    else {
      edge = await edgeTls(log).catch((e: Error) => {
        log(`edge bench failed: ${e.message}`);
        return { skipped: `failed: ${e.message.split("\n")[0]}` };
      });
    }

    // A cluster of three SSH hosts against one of them alone: redeploy time, failed requests (its own hosts and engines).
    let cluster: ClusterResult | { skipped: string };
    if (process.env.BENCH_CLUSTER === "0") cluster = { skipped: "skipped (BENCH_CLUSTER=0)" };
    else {
      cluster = await clusterBench(log).catch((e: Error) => {
        log(`cluster bench failed: ${e.message}`);
        return { skipped: `failed: ${e.message.split("\n")[0]}` };
      });
    }

    // Targets.
    const f = ioRows[0]!.result;
    const tb = ioRows[2]!.result;
    const nginxCost = 1 - healthNginx.result.rps / healthDirect.result.rps;
    const targets: Target[] = [
      {
        name: "I/O: fdock default vs the physical limit", want: ">= 0.90", got: ratio(f.rps / LIMIT), pass: f.rps / LIMIT >= 0.9,
        why: `every request costs ${cpuText(ioRows[0]!.cpu)} us of CPU (app + nginx + proxy + engine) on ${cpus} CPUs that wrk and the rest of the box share; what the CPU does not cover in each 50 ms window is queueing`,
      },
      { name: "I/O: fdock default vs textbook sync", want: ">= 10x", got: `${ratio(f.rps / tb.rps, 1)}x`, pass: f.rps / tb.rps >= 10 },
      {
        name: "I/O: fdock default p99", want: "<= 100 ms", got: `${f.p99Ms.toFixed(1)} ms`, pass: f.p99Ms <= 2 * IO_MS,
        why: "the slowest 1% wait behind other processes for a CPU: a busy neighbour on this shared box shows up here first",
      },
      { name: "I/O: fdock default errors", want: "0", got: errorText(f), pass: f.errors === 0 },
      { name: "I/O at 1,024 connections: errors", want: "0", got: errorText(at1024), pass: at1024.errors === 0 },
      {
        name: "I/O at 1,024 vs 256 connections", want: ">= 0.90", got: `${ratio(at1024.rps / at256.rps)} (p99 ${at1024.p99Ms.toFixed(0)} ms)`, pass: at1024.rps / at256.rps >= 0.9,
        why: `both runs are bound by ${cpus} CPUs, far below their limits (n / 0.05 s): more clients only queue longer, and what 1,024 connections add (wrk, nginx and Docker's port proxy juggling 4x the sockets) comes out of the same CPUs; the ratio also moves with whatever else the shared machine runs`,
      },
      {
        name: "nginx's cost on /healthz", want: "<= 20%", got: `${(nginxCost * 100).toFixed(0)}%`, pass: nginxCost <= 0.2,
        why: `through nginx a request costs ${cpuText(healthNginx.cpu)} us of CPU, direct ${cpuText(healthDirect.cpu)} (app + nginx + proxy + engine). Since the front (the proxy that alone publishes the port, so that a deploy can replace nginx without a gap) a request through fdock's stack crosses two nginx processes, the front and the app's nginx: together they spend ${Math.round(healthNginx.cpu.nginx ?? 0)} us of it; with ${cpus} CPUs shared by the app, nginx, Docker's port proxy, the engine and wrk, that CPU comes straight out of the app's throughput, and the rest of the gap moves from run to run on a shared machine. nginx's configuration barely moves it (buffering, gzip, X-Real-IP, log off: all within noise), and the forwarded headers, sent straight to gunicorn, cost it nothing measurable`,
      },
      {
        name: "code-only redeploy vs naive", want: "<= 0.25", got: `${ratio(fdockMs / naiveMs)} (build step alone: ${ratio(buildRatio)})`, pass: fdockMs / naiveMs <= 0.25,
        why: `the naive rebuild really re-installs the requirements from the package index (its pip step: ${seconds(median(naiveRe.map((r) => r.pipMs ?? Number.NaN)))} of a ${seconds(median(naiveRe.map((r) => r.buildMs)))} build), where fdock's dependency layer comes from the cache (fdock's whole build: ${seconds(median(fdockRe.map((r) => r.buildMs)))}). Both then run the same release command (fdock ${seconds(median(fdockRe.map((r) => r.releaseMs)))}, naive ${seconds(median(naiveRe.map((r) => r.releaseMs)))}). Then fdock starts the new gunicorn beside the old one, switches nginx to it, lets the old one finish for a second and stops it, so no request is dropped (${seconds(median(fdockRe.map((r) => r.startMs)))}); the naive single compose up stops the old gunicorn before starting the new one and recreates nginx too, leaving a gap in which requests fail (${seconds(median(naiveRe.map((r) => r.startMs)))}). fdock's release and gap-free start, not its build, are what is left of its time`,
      },
      {
        name: "code-only redeploy: failed requests (fdock)", want: "0", got: `${fdockFailed} of ${fdockAsked}`, pass: fdockAsked > 0 && fdockFailed === 0,
      },
      {
        name: "nginx-settings redeploy: requests failed during it", want: "0", got: `${settings.failed} of ${settings.requests}`, pass: settings.requests > 0 && settings.failed === 0,
        why: `answers during it: ${settings.statuses}`,
      },
      {
        name: "build context: no .git, virtualenvs, caches", want: "none", pass: fdockDumps.junk.length === 0,
        got: fdockDumps.junk.length ? fdockDumps.junk.slice(0, 3).join(", ") : `none (${fdockDumps.files} files, ${bytes(fdockDumps.bytes)})`,
      },
      "skipped" in edge
        ? { name: EDGE_TARGET, want: `<= ${EDGE_WANT}`, got: edge.skipped, pass: false, why: "not measured in this run" }
        : edgeTlsTarget(edge),
      "skipped" in remote
        ? { name: "remote code-only redeploy: bytes sent over SSH", want: "<= 2 x changed + 1 MB", got: remote.skipped, pass: false, why: "not measured in this run" }
        : remoteTarget(remote),
      ...("skipped" in cluster
        ? [{ name: CLUSTER_TARGET, want: `<= ${CLUSTER_WANT}`, got: cluster.skipped, pass: false, why: "not measured in this run" }]
        : [clusterTarget(cluster), ...clusterReported(cluster)]),
      {
        name: "`fdock --help` vs `node -e 0`", want: "<= 2x", got: `${ratio(cli.fdockMs / cli.nodeMs)}x`, pass: cli.fdockMs / cli.nodeMs <= 2,
        why: "`fdock --help` loads commander, one small file per command (24) and the drivers' flag lists, and nothing of the core (test/unit/imports.test.ts): commander alone takes about 1.6x `node -e 0`, and the one-file-per-command layout about 10 ms more than the five files it replaced; bundling the CLI layer at build time would win that back",
      },
    ];

    const phases = (rs: Redeploy[]) =>
      [median(rs.map((r) => r.buildMs)), median(rs.map((r) => r.releaseMs)), median(rs.map((r) => r.startMs))].map(seconds);
    const pip = (rs: Redeploy[]) => seconds(median(rs.map((r) => r.pipMs ?? Number.NaN)));
    const failedText = (rs: Redeploy[]) => {
      const asked = rs.reduce((a, r) => a + (r.failed?.asked ?? 0), 0);
      return asked ? `${rs.reduce((a, r) => a + (r.failed?.failed ?? 0), 0)} of ${asked}` : "not asked";
    };
    const redeployTable = table(
      ["redeploy (one-line change, until served)", `total (median of ${REDEPLOYS})`, "build", "of which pip", "release", "start until healthy", "failed requests", "context admitted", "context sent (BuildKit)"],
      [
        ["fdock up --production", seconds(fdockMs), seconds(median(fdockRe.map((r) => r.buildMs))), pip(fdockRe), ...phases(fdockRe).slice(1), failedText(fdockRe), `${bytes(fdockDumps.bytes)} (${fdockDumps.files} files)`, fdockRe.map((r) => bytes(r.sent)).join(", ")],
        ["naive Dockerfile (COPY . . then pip install), same compose", seconds(naiveMs), seconds(median(naiveRe.map((r) => r.buildMs))), pip(naiveRe), ...phases(naiveRe).slice(1), "not asked", `${bytes(naiveDumps.bytes)} (${naiveDumps.files} files)`, naiveRe.map((r) => bytes(r.sent)).join(", ")],
      ],
    );
    const dependencyTable = table(
      ["redeploy after one line added to requirements.txt", `total (median of ${NEW_DEPENDENCIES.length})`, "build", "of which pip", "release", "start until healthy", "failed requests"],
      [
        ["fdock up --production", seconds(median(fdockDep.map((r) => r.ms))), seconds(median(fdockDep.map((r) => r.buildMs))), pip(fdockDep), ...phases(fdockDep).slice(1), failedText(fdockDep)],
        ["naive Dockerfile, same compose", seconds(median(naiveDep.map((r) => r.ms))), seconds(median(naiveDep.map((r) => r.buildMs))), pip(naiveDep), ...phases(naiveDep).slice(1), "not asked"],
      ],
    );
    const cliTable = table(
      ["command", `median of ${CLI_RUNS}`],
      [["fdock --help", `${cli.fdockMs.toFixed(0)} ms`], ["node -e 0", `${cli.nodeMs.toFixed(0)} ms`]],
    );

    // Figures reported without a target are never "not met".
    const unmet = targets.filter((t) => !t.pass && !t.reported);
    const md = [
      "# fdock benchmark results",
      "",
      `Run ${date} by \`npm run bench\` (${seconds(performance.now() - started)} in all) on the local engine.`,
      "",
      `- Machine: ${availableParallelism()} CPUs (engine reports ${cpus}), ${process.platform}/${process.arch}`,
      `- Versions: Docker Engine ${ver.engine}, Compose ${ver.compose}, gunicorn ${ver.gunicorn}, ${ver.nginx}, Python ${ver.python}, Node ${ver.node}, ${ver.wrk}`,
      `- Load: wrk, ${DURATION} s per run after a ${WARMUP} s warm-up, 2 threads, on 127.0.0.1 through Docker's published ports`,
      "- This machine is shared and noisy: compare the ratios, which were measured side by side in this run, not the absolute numbers.",
      "",
      `## I/O-bound: \`${io}\` at ${IO_CONNECTIONS} connections (limit ${IO_CONNECTIONS} / ${IO_MS / 1000} s = ${LIMIT.toLocaleString("en-US")} req/s)`,
      "",
      "Every row is the same gunicorn image and the same nginx container config fdock renders; only gunicorn's command changes. The Flask development server runs behind that nginx too.",
      "",
      ioTable(ioRows, LIMIT),
      "",
      `## Many clients: \`${io}\` on fdock's stack at ${MANY_CONNECTIONS.map((n) => n.toLocaleString("en-US")).join(" and ")} connections`,
      "",
      "Each proxied client holds two of nginx's connections (client and upstream); fdock sizes nginx's `worker_connections`, open-file limit and listen backlog from the worker plan (Debian's nginx.conf, 768 connections, answered 1,024 clients with thousands of errors; nginx's default backlog of 511 dropped connection attempts, each retried by the client 1-3 s later). Both runs are bound by the CPU, not by the 50 ms each request waits: more clients wait longer in the queue, which is what p99 shows.",
      "",
      loadTable(manyRows),
      "",
      `At 1,024 connections fdock's stack served ${ratio(at1024.rps / at256.rps)} of its 256-connection throughput, p99 ${at1024.p99Ms.toFixed(0)} ms (${at256.p99Ms.toFixed(0)} ms at 256), errors: ${errorText(at1024)}.`,
      "",
      "## nginx's cost: fdock's stack vs the same gunicorn reached directly",
      "",
      loadTable(costRows),
      "",
      `nginx costs ${(nginxCost * 100).toFixed(0)}% of direct throughput on /healthz, ${((1 - cpuNginx.result.rps / cpuDirect.result.rps) * 100).toFixed(0)}% on ${cpuPath}. CPU is per request, from /proc: the app and the two proxies (the front and the app's nginx, counted together as nginx), Docker's port proxy (both paths go through it) and the engine (dockerd and containerd, which carry the containers' logs).`,
      "",
      "skipped" in edge ? `## HTTPS at the edge: /healthz over HTTPS vs plain HTTP, same stack\n\n${edge.skipped}.` : edgeTlsSection(edge),
      "",
      "## Redeploy after a one-line code change",
      "",
      redeployTable,
      "",
      `Both images install the example's requirements (Flask, gunicorn, gevent) with pip from the package index the base image names (on this rig: Debian's packages as wheels, served by scripts/rig, since PyPI is not reachable). "Of which pip" is the gunicorn image's \`RUN pip install\` step from BuildKit's own timing (0 s: the layer came from the cache). Failed requests: GETs of /api/version, one after the other, at the running site while fdock's redeploy ran (the naive compose up recreates nginx on a new published port, so its gap is not counted here).`,
      "",
      "## Redeploy after a dependency change",
      "",
      dependencyTable,
      "",
      `Each run adds one line (${NEW_DEPENDENCIES.join(", then ")}) to requirements.txt: fdock's dependency layer is rebuilt (pip installs everything again, as for a first build), the naive image installs everything on every build anyway.`,
      "",
      `The copy holds a git repository, a .venv with a ${bytes(VENV_BLOB_BYTES)} file and __pycache__; fdock's build context: ${fdockDumps.junk.length ? "CARRIES " + fdockDumps.junk.join(", ") : "none of them"} (checked file by file: BuildKit exports the admitted context to a folder); the naive context: ${naiveDumps.junk.length} such files. "Build" is fdock's own step timing (both images) and the naive \`docker compose build gunicorn\`; release is the same compose run for both; start is fdock's own step (the new gunicorn started beside the old one, nginx switched to it, the old one drained and stopped) and the naive single \`docker compose up --wait\` (both replaced in place).`,
      "",
      "## Redeploy that changes only nginx settings",
      "",
      table(["redeploy (client_max_body_size changed)", "total", "requests during it", "failed", "answers"], [["fdock up --production (a new nginx beside the old one, the front switched to it)", seconds(settings.ms), String(settings.requests), String(settings.failed), settings.statuses]]),
      "",
      "skipped" in remote ? `## Remote redeploy over SSH: bytes sent\n\n${remote.skipped}.` : remoteSection(remote),
      "",
      "skipped" in cluster ? `## Cluster: a code-only redeploy to 3 nodes vs one machine, and failed requests\n\n${cluster.skipped}.` : clusterSection(cluster),
      "",
      "## CLI start-up",
      "",
      cliTable,
      "",
      "## Targets",
      "",
      targetTable(targets),
      "",
      ...(unmet.length
        ? ["### Not met, and why", "", ...unmet.map((t) => `- **${t.name}** (${t.got}): ${t.why ?? "see above"}.`), ""]
        : []),
    ].join("\n");
    process.stdout.write(md + "\n");
    writeFileSync(join(REPO, "bench/RESULTS.md"), md);
    const measuredTargets = targets.filter((t) => !t.reported).length;
    log(`${measuredTargets - unmet.length} of ${measuredTargets} targets met${targets.length > measuredTargets ? ` (and ${targets.length - measuredTargets} figures reported)` : ""}; written to bench/RESULTS.md`);
  } finally {
    if (!interrupted) {
      if (process.env.BENCH_KEEP === "1") log(`kept ${ws.root} and the ${PROJECT} stack (BENCH_KEEP=1)`);
      else { log("tearing down"); await teardown(ws); }
    }
  }
  log(`done in ${seconds(performance.now() - started)}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
