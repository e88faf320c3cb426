/**
 * A cluster against one machine (issue 12): the deploy time of a code-only change to a 3-node
 * Swarm cluster against the same change to one machine, and the requests that fail while the
 * cluster rolls an update out and while it loses a worker.
 *
 * Three SSH hosts (the machines suite's fixture: privileged containers on one Docker network,
 * Docker installed over SSH by `fdock machine create -d generic`), all through fdock's CLI only:
 * 1. One machine: the example deployed to m1 with `fdock up --remote m1`, then code-only
 *    redeploys (flask_blog/version.py), timed from the command's start to its exit 0. m1 builds in
 *    both cases (it alone reaches the rig's package index), so the image work is the same engine's
 *    with the same cache; the other two hosts are already up, idle, in both cases. Then `fdock
 *    down --remote m1` (the cluster's nginx takes m1's port 80).
 * 2. The cluster: `fdock cluster create` (m1 manager, m2 and m3 workers), the same project
 *    deployed with `--replicas 3`, then the same code-only redeploys, timed alike. While each
 *    timed redeploy runs (on one machine too), two clients ask /api/version every 20 ms, one
 *    through m2's nginx, one through each node's nginx in turn (on one machine: both through it).
 * 3. Node loss: the host container of the worker running the most gunicorn tasks (Swarm's
 *    start-first updates do not keep one per node) is killed (SIGKILL: its engine, its tasks and
 *    its address go at once, as when a machine loses power or its network; `docker stop` would let
 *    its engine stop the tasks gracefully, `docker pause` would freeze the processes while the
 *    kernel still answers on the address). Clients keep asking through the other two nodes' nginx (a load balancer or DNS in
 *    front of a real cluster would stop sending to the lost node; its own address just fails)
 *    until Swarm runs all 3 gunicorn replicas on the survivors, and 5 s more.
 *
 * `node bench/cluster.ts` runs it alone (prints its section; build fdock first: `npx tsc -p
 * tsconfig.json`); bench/run.ts runs it last, BENCH_CLUSTER=0 skips it there.
 * BENCH_CLUSTER_REDEPLOYS (default 3, their medians compared) sets the timed redeploys of each
 * kind. Everything it starts goes at the end, also on a failure or an interrupt: the host
 * containers (their engines, images and volumes live inside them), their network, a temp folder
 * (FDOCK_HOME, HOME, the copy of the example).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { parse, stringify } from "yaml";
import { makeStation as makeStationBase, type Station } from "./station.ts";
import { run, runSync, sleep, type Ran } from "./proc.ts";
import { ensureHostImage } from "./remote-bytes.ts";
import { median, ratio, seconds, table, type Target } from "./report.ts";
import { FDOCK_BIN } from "./stack.ts";

const REDEPLOYS = Number(process.env.BENCH_CLUSTER_REDEPLOYS ?? 3);
const NAMES = ["m1", "m2", "m3"] as const;
const CLUSTER = "bench";
const PROJECT = `fdock-bench-cluster-${process.pid}`;
const REPLICAS = NAMES.length;
/** How long clients keep asking after the replicas run again (nginx re-resolves gunicorn's tasks). */
const SETTLE_MS = 5000;
/** The longest the bench waits for Swarm to reschedule the lost node's tasks. */
const RESCHEDULE_LIMIT_MS = 180_000;
/**
 * A client waits this long for an answer: longer than nginx waits for gunicorn (its read timeout,
 * gunicorn's timeout + 5 s, 35 s by default), so that a request lost with a node shows as nginx's 504.
 */
const CLIENT_TIMEOUT_MS = 60_000;
export const WANT = 1.5;
export const TARGET_NAME = "code-only redeploy: 3-node cluster vs one machine";

type Log = (msg: string) => void;

/** One fdock progress step, from its line "✔ Build gunicorn and nginx images on m1 (1.2 s)". */
export interface Step { title: string; ms: number }

/** fdock's finished steps, in order, from its plain progress output. */
export function stepTimes(progress: string): Step[] {
  const steps: Step[] = [];
  for (const line of progress.split("\n")) {
    const m = /^✔ (.*) \(([\d.]+) s\)\s*$/.exec(line);
    if (m) steps.push({ title: m[1]!, ms: Number(m[2]) * 1000 });
  }
  return steps;
}

/**
 * Where a deploy's time went: its build, the image copies to other nodes, the release, and the rest
 * (start or roll out, checks). A cluster runs the release on its manager while the images go to
 * the other nodes: both inside one step ("While the images go to …"), whose time is then what the
 * two took together (`overlap`).
 */
export interface Phases { build: number; copy: number; release: number; overlap: number; rest: number }

export function phasesOf(progress: string, totalMs: number): Phases {
  const steps = stepTimes(progress);
  const sum = (re: RegExp) => steps.filter((s) => re.test(s.title)).reduce((a, s) => a + s.ms, 0);
  const build = sum(/^Build /);
  // Today "Copy the images to 2 other nodes"; whatever a later transfer calls it, it names images or layers.
  const copy = sum(/^(Copy|Send|Transfer|Distribute)\b.*\b(images?|layers?)\b/i);
  const release = sum(/^Release/);
  const overlap = sum(/^While /);
  return { build, copy, release, overlap, rest: Math.max(0, totalMs - build - (overlap || copy + release)) };
}

/**
 * The megabytes fdock said it sent to nodes, summed over its lines "  m2: copied REF, REF (301.2 MB)"
 * (whole images) or "  m2: copied REF (1 of 11 layers sent, 3.2 MB; 140.1 MB already there)" (the
 * first size in the parentheses); null when it copied nothing.
 */
export function copiedMegabytes(progress: string): number | null {
  const unit: Record<string, number> = { B: 1e-6, kB: 1e-3, MB: 1, GB: 1e3 };
  let total: number | null = null;
  for (const line of progress.matchAll(/^\s+\S+: copied .*\((.*)\)\s*$/gm)) {
    const size = /([\d.]+) (B|kB|MB|GB)\b/.exec(line[1]!);
    if (size) total = (total ?? 0) + Number(size[1]) * unit[size[2]!]!;
  }
  return total;
}

/**
 * The gunicorn replicas running away from a lost node, from `docker service ps --format
 * "{{.Node}}\t{{.CurrentState}}"` of the tasks Swarm wants running.
 */
export function runningElsewhere(servicePs: string, lostNode: string): number {
  return servicePs.split("\n").map((l) => l.split("\t")).filter(([node, state]) => node && node !== lostNode && /^Running\b/.test(state ?? "")).length;
}

/** A node's status as the manager sees it, from `docker node ls --format "{{.Hostname}}\t{{.Status}}"`. */
export function nodeStatus(nodeLs: string, node: string): string | undefined {
  return nodeLs.split("\n").map((l) => l.split("\t")).find(([h]) => h === node)?.[1]?.trim();
}

/** gunicorn's update settings in the stack file fdock rendered ("parallelism 1, order start-first, monitor 10s"); null when it has none. */
export function updateConfigText(stackYaml: string): string | null {
  const stack = parse(stackYaml) as { services?: { gunicorn?: { deploy?: { update_config?: Record<string, unknown> } } } } | null;
  const u = stack?.services?.gunicorn?.deploy?.update_config;
  if (!u) return null;
  return ["parallelism", "order", "monitor", "delay"].filter((k) => u[k] !== undefined).map((k) => `${k} ${String(u[k])}`).join(", ");
}

/** The answers clients got: how many asked, how many got no 200, the slowest answer, each status's count (0: none). */
export interface Tally { asked: number; failed: number; slowestMs: number; statuses: Record<string, number> }

export function tally(answers: Array<{ status: number; ms: number }>): Tally {
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
  return { asked: answers.length, failed: answers.filter((a) => a.status !== 200).length, slowestMs: Math.max(0, ...answers.map((a) => a.ms)), statuses };
}

export function addTallies(ts: Tally[]): Tally {
  const statuses: Record<string, number> = {};
  for (const t of ts) for (const [s, n] of Object.entries(t.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  return { asked: ts.reduce((a, t) => a + t.asked, 0), failed: ts.reduce((a, t) => a + t.failed, 0), slowestMs: Math.max(0, ...ts.map((t) => t.slowestMs)), statuses };
}

/** "0 of 1234", with what the failures got: "3 of 1234 (no answer: 2, 502: 1)". */
export function failedText(t: Tally): string {
  const bad = Object.entries(t.statuses).filter(([s]) => s !== "200").map(([s, n]) => `${s === "0" ? "no answer" : s}: ${n}`);
  return `${t.failed} of ${t.asked}${bad.length ? ` (${bad.join(", ")})` : ""}`;
}

/** One GET on a new connection: its status (0 for no answer in time) and how long it took. */
function ask(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (status: number) => resolve({ status, ms: performance.now() - t0 });
    const req = request(url, { headers: { Connection: "close" }, timeout: CLIENT_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
      res.on("error", () => done(0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => done(0));
    req.end();
  });
}

/** A client asking one URL after another (the next of `urls` each time), pausing 20 ms between answers, until stopped. */
function client(urls: string[]): { stop: () => Promise<Tally> } {
  let asking = true;
  const answers: Array<{ status: number; ms: number }> = [];
  const loop = (async () => {
    for (let i = 0; asking; i++) {
      answers.push(await ask(urls[i % urls.length]!));
      await sleep(20);
    }
  })();
  return { stop: async () => { asking = false; await loop; return tally(answers); } };
}

/** A timed code-only redeploy. */
export interface Redeploy { ms: number; phases: Phases; copiedMB: number | null }

export interface ClusterResult {
  /** Code-only redeploys to one machine (m1) and to the cluster, in the order they ran. */
  single: Redeploy[];
  cluster: Redeploy[];
  /** The first deploys (not compared: the first to one machine also installs the requirements). */
  firstMs: { single: number; cluster: number };
  /** What the first cluster deploy sent the other nodes. */
  firstCopiedMB: number | null;
  provisionMs: number;
  clusterCreateMs: number;
  /** gunicorn's update_config in the stack file (updateConfigText), null when not found. */
  updateConfig: string | null;
  /** Answers during the timed redeploys: on one machine (both clients), on the cluster through m2 and through every node in turn. */
  asked: { single: Tally; oneNode: Tally; allNodes: Tally };
  loss: {
    /** Answers through the surviving nodes, from the loss until the replicas ran again and SETTLE_MS more. */
    asked: Tally;
    /** From the kill until the manager listed the node as down, and until 3 replicas ran on the survivors (null: not within the limit). */
    downMs: number | null;
    rescheduledMs: number | null;
    /** gunicorn tasks the lost node ran. */
    lostTasks: number;
    /** The worker lost (the one running the most gunicorn tasks), and the two asked meanwhile. */
    machine: string;
    through: string[];
  };
  host: { cpus: number; engine: string };
}

const med = (ds: Redeploy[], f: (d: Redeploy) => number) => median(ds.map(f));

export function clusterRatio(r: ClusterResult): number {
  return med(r.cluster, (d) => d.ms) / med(r.single, (d) => d.ms);
}

/** The target: a code-only redeploy to 3 nodes takes at most 1.5x the same redeploy to one machine. */
export function clusterTarget(r: ClusterResult): Target {
  const x = clusterRatio(r);
  const c = (f: (p: Phases) => number) => seconds(med(r.cluster, (d) => f(d.phases)));
  const s = (f: (p: Phases) => number) => seconds(med(r.single, (d) => f(d.phases)));
  const copied = med(r.cluster, (d) => d.copiedMB ?? Number.NaN);
  return {
    name: TARGET_NAME,
    want: `<= ${WANT}`,
    got: `${ratio(x)} (${seconds(med(r.cluster, (d) => d.ms))} vs ${seconds(med(r.single, (d) => d.ms))})`,
    pass: x <= WANT,
    why: `the same build on the same engine (cluster ${c((p) => p.build)}, one machine ${s((p) => p.build)}) and release (${c((p) => p.release)}, ${s((p) => p.release)}); the cluster copies the new image to the 2 other nodes (${c((p) => p.copy)}${Number.isFinite(copied) ? `, ${copied.toFixed(1)} MB in all` : ""})${med(r.cluster, (d) => d.phases.overlap) ? ` while the release runs on the manager (the two together ${c((p) => p.overlap)})` : ""}, then Swarm rolls ${REPLICAS} replicas${r.updateConfig ? ` (update_config: ${r.updateConfig})` : ""}, one after another, each new task started and healthy before its old one stops, and watches the last for the update's monitor time; fdock then checks every node, records the release and returns once the old tasks stopped (${c((p) => p.rest)} with the stack deploy), where one machine starts one new gunicorn beside the old one (${s((p) => p.rest)})`,
  };
}

/** The failed-request figures, reported without a target. */
export function clusterReported(r: ClusterResult): Target[] {
  return [
    { name: "cluster rolling update: requests failed (through m2's nginx / through every node's)", want: "reported", got: `${failedText(r.asked.oneNode)} / ${failedText(r.asked.allNodes)}`, pass: true, reported: true },
    {
      name: "cluster node loss: requests failed through the surviving nodes",
      want: "reported",
      got: `${failedText(r.loss.asked)}; replicas running again after ${r.loss.rescheduledMs === null ? `more than ${seconds(RESCHEDULE_LIMIT_MS)}` : seconds(r.loss.rescheduledMs)}`,
      pass: true,
      reported: true,
    },
  ];
}

/** The section of bench/RESULTS.md (Markdown). */
export function clusterSection(r: ClusterResult): string {
  const row = (label: string, ds: Redeploy[], asked: string) => [
    label,
    seconds(med(ds, (d) => d.ms)),
    seconds(med(ds, (d) => d.phases.build)),
    seconds(med(ds, (d) => d.phases.copy)),
    seconds(med(ds, (d) => d.phases.release)),
    ds.some((d) => d.phases.overlap) ? seconds(med(ds, (d) => d.phases.overlap)) : "-",
    seconds(med(ds, (d) => d.phases.rest)),
    ds.every((d) => d.copiedMB === null) ? "-" : `${med(ds, (d) => d.copiedMB ?? 0).toFixed(1)} MB`,
    asked,
  ];
  const lossWait = r.loss.rescheduledMs === null ? `were not all running again within ${seconds(RESCHEDULE_LIMIT_MS)}` : `ran again on the survivors ${seconds(r.loss.rescheduledMs)} after it`;
  return [
    "## Cluster: a code-only redeploy to 3 nodes vs one machine, and failed requests",
    "",
    `Three SSH hosts (privileged containers on one Docker network, ${r.host.cpus} CPUs shared by all, Docker Engine ${r.host.engine} installed by \`fdock machine create -d generic\`, provisioned in ${seconds(r.provisionMs)}). The example (no persistent folder: a cluster refuses one) is deployed first to m1 alone (\`fdock up --remote m1\`), then, after \`fdock down --remote m1\` and \`fdock cluster create\` (m1 manager, m2 and m3 workers; ${seconds(r.clusterCreateMs)}), to the cluster with ${REPLICAS} gunicorn replicas. Each redeploy changes flask_blog/version.py and is timed from the command's start to its exit 0; m1 builds in both cases, from the same cache. First deploys, not compared: one machine ${seconds(r.firstMs.single)} (pip installs the requirements), the cluster ${seconds(r.firstMs.cluster)} (${r.firstCopiedMB === null ? "no image copied" : `${r.firstCopiedMB.toFixed(1)} MB of images sent to the 2 other nodes`}). The base images were loaded into every host's engine directly, not over SSH (a real machine pulls them from its registry).`,
    "",
    table(
      ["code-only redeploy", `total (median of ${r.single.length})`, "build", "copy images to nodes", "release", "copy and release together", "start / roll out, checks", "copied", "requests failed during it"],
      [
        row("fdock up --remote m1 (one machine)", r.single, failedText(r.asked.single)),
        row(`fdock up --remote ${CLUSTER} --replicas ${REPLICAS} (3 nodes)`, r.cluster, `through m2: ${failedText(r.asked.oneNode)}; through every node in turn: ${failedText(r.asked.allNodes)}`),
      ],
    ),
    "",
    `A cluster redeploy takes ${ratio(clusterRatio(r))}x the one-machine redeploy. Requests: two clients each asked /api/version every 20 ms (a new connection each time) while every timed redeploy ran, one through m2's nginx, one through each node's in turn (on one machine, both through it); slowest answer on the cluster ${seconds(Math.max(r.asked.oneNode.slowestMs, r.asked.allNodes.slowestMs))}.`,
    "",
    "### Losing a worker",
    "",
    table(
      [`node loss (${r.loss.machine}'s host killed)`, "manager saw it down", "3 replicas running again", `requests failed through ${r.loss.through.join(" and ")}`, "slowest answer"],
      [[`${r.loss.lostTasks} gunicorn task(s) on ${r.loss.machine}`, r.loss.downMs === null ? "-" : `after ${seconds(r.loss.downMs)}`, r.loss.rescheduledMs === null ? `not within ${seconds(RESCHEDULE_LIMIT_MS)}` : `after ${seconds(r.loss.rescheduledMs)}`, failedText(r.loss.asked), seconds(r.loss.asked.slowestMs)]],
    ),
    "",
    `${r.loss.machine}'s host container was killed (SIGKILL: its engine, tasks and address gone at once, as when a machine loses power or its network; of the two workers, the one running more gunicorn tasks: Swarm's start-first updates do not keep one task per node). Four clients (two through ${r.loss.through[0]}'s nginx, two through ${r.loss.through[1]}'s) asked /api/version every 20 ms, each waiting up to ${seconds(CLIENT_TIMEOUT_MS)} for an answer, from the kill until the replicas ${lossWait}, and ${seconds(SETTLE_MS)} more. Requests to m3's own address fail, and are not asked: a load balancer or DNS in front of a real cluster would stop sending to it. Through the survivors, a request nginx sends to the lost task's address after the loss waits out nginx's 5 s connect timeout and goes to the next task (late, not failed); one that a task on the lost node was already answering waits for an answer that never comes, until nginx's read timeout (gunicorn's timeout + 5 s) ends it with a 504, or the client gives up (no answer).`,
  ].join("\n");
}


/**
 * An isolated workstation (HOME, FDOCK_HOME, DOCKER_CONFIG in a temp folder) and a copy of the
 * example a cluster takes: no persistent folder, and the app's instance folder (SQLite) in the
 * container. The system ssh reads ~/.ssh/config from the passwd home: a wrapper on PATH points it
 * at this HOME's (as in the machines suite).
 */
function makeStation(): Station {
  const station = makeStationBase("fdock-bench-cluster-");
  const { app } = station;
  const config = parse(readFileSync(join(app, "fdock.yaml"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(app, "fdock.yaml"), stringify({ ...config, name: PROJECT, persistent: [] }));
  const init = join(app, "flask_blog/__init__.py");
  writeFileSync(init, readFileSync(init, "utf8").replace("app = Flask(__name__)", 'app = Flask(__name__, instance_path="/tmp/instance")'));
  return station;
}

const text = (r: Ran) => r.err + r.out;

/** The teardown of the run under way (null when none): an interrupted bench calls it through stopCluster. */
let tearingDown: (() => Promise<void>) | null = null;

/** Removes what a run under way made (for a SIGINT or SIGTERM): the hosts, their network, the temp folder. */
export async function stopCluster(): Promise<void> {
  await tearingDown?.();
}

export async function clusterBench(log: Log): Promise<ClusterResult> {
  const image = await ensureHostImage(log);
  const st = makeStation();
  const hosts: Array<{ name: string; ip: string; container?: StartedTestContainer }> = [];
  let network: StartedNetwork | undefined;
  const fdock = (args: string[], timeoutMs = 600_000) => run(process.execPath, [FDOCK_BIN, ...args], { env: st.env, timeoutMs });
  const docker = (args: string[], o: { allowFail?: boolean } = {}) => run("docker", ["--context", "fdock-m1", ...args], { env: st.env, timeoutMs: 60_000, ...o });
  let done: Promise<void> | undefined;
  // Once, whoever asks first (the end of the run or a signal).
  const teardown = () => (done ??= (async () => {
    log("cluster: tearing down (the host containers with their engines, their network, the temp folder)");
    // fdock's records of the machines and the cluster, its ssh entries and Docker contexts live in the
    // temp folder; ssh's master connections end with the hosts. The image's VOLUME gives
    // /var/lib/docker an anonymous volume: removed with the container (--volumes).
    await Promise.all(hosts.map((h) => run("docker", ["rm", "--force", "--volumes", h.name], { allowFail: true, timeoutMs: 120_000 })));
    await network?.stop().catch((e: Error) => log(`  removing the network failed: ${e.message}`));
    rmSync(st.root, { recursive: true, force: true });
  })());
  tearingDown = teardown;
  try {
    network = await new Network().start();
    log(`cluster: starting ${NAMES.length} SSH hosts (${image}) on network ${network.getName()}`);
    const key = readFileSync(`${st.key}.pub`, "utf8").trim();
    await Promise.all(NAMES.map(async (n, i) => {
      const name = `fdock-bench-cluster-host-${process.pid}-${n}`;
      hosts[i] = { name, ip: "" };
      const container = await new GenericContainer(image)
        .withName(name)
        .withHostname(name)
        .withNetwork(network!)
        .withPrivilegedMode()
        .withEnvironment({ AUTHORIZED_KEY: key })
        .withWaitStrategy(Wait.forLogMessage(/Server listening/))
        .start();
      hosts[i] = { name, ip: container.getIpAddress(network!.getName()), container };
    }));
    // The rig's package index (PyPI's stand-in) listens on the default bridge's gateway, which refuses
    // user-defined networks: m1, which builds, joins the default bridge too, before its engine is
    // installed (so that the inner engine picks a subnet clear of both).
    await run("docker", ["network", "connect", "bridge", hosts[0]!.name]);

    log("cluster: fdock machine create on the 3 hosts at once (installs Docker over SSH)");
    const t0 = performance.now();
    await Promise.all(NAMES.map((n, i) => fdock(["machine", "create", "-d", "generic", "--generic-ip-address", hosts[i]!.ip, "--generic-ssh-key", st.key, n])));
    const provisionMs = performance.now() - t0;
    log(`  provisioned in ${seconds(provisionMs)}`);
    // Real machines pull the base images from Docker Hub; here the local stand-ins are loaded into
    // every host's engine directly (not over SSH: no deploy sends them to m1, which builds; what fdock
    // sends the other nodes is its own business, measured below).
    const bases = [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable"];
    const tar = join(st.root, "bases.tar");
    await run("docker", ["save", "--output", tar, ...bases], { timeoutMs: 300_000 });
    await Promise.all(hosts.map((h) => run("sh", ["-c", 'docker exec -i "$1" docker load < "$2"', "sh", h.name, tar], { timeoutMs: 300_000 })));
    rmSync(tar);

    const setVersion = (v: string) => writeFileSync(join(st.app, "flask_blog/version.py"), `VERSION = ${JSON.stringify(v)}\n`);
    const url = (i: number) => `http://${hosts[i]!.ip}/api/version`;
    const served = async (i: number) => JSON.parse((await fetch(url(i), { signal: AbortSignal.timeout(10_000) }).then((r) => r.text()))).version as string;

    /** A timed deploy of version v, with the clients given asking while it runs. */
    const deploy = async (target: string[], v: string, clients: Array<ReturnType<typeof client>> = []) => {
      setVersion(v);
      let r: Ran;
      let tallies: Tally[] = [];
      try {
        r = await fdock(["-C", st.app, "up", "--remote", ...target]);
      } finally {
        tallies = await Promise.all(clients.map((c) => c.stop()));
      }
      const d: Redeploy = { ms: r.ms, phases: phasesOf(text(r), r.ms), copiedMB: copiedMegabytes(text(r)) };
      log(`  fdock up --remote ${target.join(" ")} (${v}): ${seconds(d.ms)} (build ${seconds(d.phases.build)}, copy ${seconds(d.phases.copy)}${d.copiedMB === null ? "" : `, ${d.copiedMB.toFixed(1)} MB`}, release ${seconds(d.phases.release)}${d.phases.overlap ? `, together ${seconds(d.phases.overlap)}` : ""}, rest ${seconds(d.phases.rest)})${tallies.length ? `; failed ${tallies.map(failedText).join(" / ")}` : ""}`);
      return { d, tallies };
    };

    // 1. One machine.
    log("cluster: one machine: first deploy to m1 (not compared), then code-only redeploys");
    const firstSingle = await deploy(["m1"], "single-0");
    const single: Redeploy[] = [];
    const singleAsked: Tally[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      const { d, tallies } = await deploy(["m1"], `single-${i}`, [client([url(0)]), client([url(0)])]);
      single.push(d);
      singleAsked.push(...tallies);
    }
    await fdock(["-C", st.app, "down", "--remote", "m1"]);

    // 2. The cluster.
    log(`cluster: fdock cluster create ${CLUSTER} (m1 manager, m2 and m3 workers)`);
    const created = await fdock(["cluster", "create", CLUSTER, "--manager", "m1", "--worker", "m2", "--worker", "m3"]);
    log(`  created in ${seconds(created.ms)}; first deploy (not compared), then code-only redeploys`);
    const target = [CLUSTER, "--replicas", String(REPLICAS)];
    const firstCluster = await deploy(target, "cluster-0");
    const cluster: Redeploy[] = [];
    const oneNode: Tally[] = [];
    const allNodes: Tally[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      const v = `cluster-${i}`;
      const { d, tallies } = await deploy(target, v, [client([url(1)]), client(NAMES.map((_, j) => url(j)))]);
      cluster.push(d);
      oneNode.push(tallies[0]!);
      allNodes.push(tallies[1]!);
      for (let j = 0; j < NAMES.length; j++) {
        const got = await served(j);
        if (got !== v) throw new Error(`${NAMES[j]} serves version ${got} after the redeploy to ${v}`);
      }
    }

    // 3. Losing a worker.
    const service = `${PROJECT}_gunicorn`;
    const ps = async () => (await docker(["service", "ps", service, "--filter", "desired-state=running", "--format", "{{.Node}}\t{{.CurrentState}}"], { allowFail: true })).out;
    // The worker running the most gunicorn tasks (start-first updates do not keep one per node).
    const before = await ps();
    const tasksOn = (i: number) => REPLICAS - runningElsewhere(before, hosts[i]!.name);
    const lostIndex = tasksOn(1) > tasksOn(2) ? 1 : 2;
    const lost = hosts[lostIndex]!;
    const lostTasks = tasksOn(lostIndex);
    const [a, b] = [0, 1, 2].filter((i) => i !== lostIndex) as [number, number];
    const through = [NAMES[a], NAMES[b]];
    log(`cluster: killing ${NAMES[lostIndex]}'s host (${lostTasks} gunicorn task(s) on it); asking through ${through.join(" and ")} until ${REPLICAS} replicas run on them`);
    const asking = [client([url(a)]), client([url(a)]), client([url(b)]), client([url(b)])];
    const k0 = performance.now();
    await run("docker", ["kill", lost.name]);
    let downMs: number | null = null;
    let rescheduledMs: number | null = null;
    while (performance.now() - k0 < RESCHEDULE_LIMIT_MS) {
      if (downMs === null) {
        const nodes = (await docker(["node", "ls", "--format", "{{.Hostname}}\t{{.Status}}"], { allowFail: true })).out;
        if (nodeStatus(nodes, lost.name) === "Down") downMs = performance.now() - k0;
      }
      if (runningElsewhere(await ps(), lost.name) >= REPLICAS) { rescheduledMs = performance.now() - k0; break; }
      await sleep(500);
    }
    log(`  down after ${downMs === null ? "-" : seconds(downMs)}, ${REPLICAS} replicas running again after ${rescheduledMs === null ? "-" : seconds(rescheduledMs)}`);
    await sleep(SETTLE_MS);
    const lossAsked = addTallies(await Promise.all(asking.map((c) => c.stop())));
    log(`  requests through ${through.join(" and ")}: ${failedText(lossAsked)} failed, slowest ${seconds(lossAsked.slowestMs)}`);

    return {
      single,
      cluster,
      firstMs: { single: firstSingle.d.ms, cluster: firstCluster.d.ms },
      firstCopiedMB: firstCluster.d.copiedMB,
      provisionMs,
      clusterCreateMs: created.ms,
      updateConfig: (() => { try { return updateConfigText(readFileSync(join(st.app, ".fdock/swarm.yaml"), "utf8")); } catch { return null; } })(),
      asked: { single: addTallies(singleAsked), oneNode: addTallies(oneNode), allNodes: addTallies(allNodes) },
      loss: { asked: lossAsked, downMs, rescheduledMs, lostTasks, machine: NAMES[lostIndex], through },
      host: {
        cpus: Number(runSync("docker", ["exec", hosts[0]!.name, "nproc"]).out.trim()),
        engine: runSync("docker", ["exec", hosts[0]!.name, "docker", "version", "--format", "{{.Server.Version}}"]).out.trim(),
      },
    };
  } finally {
    await teardown();
    tearingDown = null;
  }
}

if (import.meta.main) {
  const started = performance.now();
  const log: Log = (msg) => process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
  const onSignal = () => { log("interrupted: tearing down"); stopCluster().finally(() => process.exit(130)); };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  clusterBench(log).then((r) => {
    const t = clusterTarget(r);
    const lines = [t, ...clusterReported(r)].map((x) => `${x.name}: ${x.got}${x.reported ? " (reported)" : `, wanted ${x.want}: ${x.pass ? "PASS" : "FAIL"}`}`);
    process.stdout.write(`${clusterSection(r)}\n\n${lines.join("\n")}\n`);
    log(`done in ${seconds(performance.now() - started)}`);
  }, (e: unknown) => {
    process.stderr.write(`cluster bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
