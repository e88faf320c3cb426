/**
 * Remote redeploys, measured in bytes over SSH (issue 9, point 5). A test SSH host (the machines
 * suite's fixture: a privileged container with sshd, Docker installed over SSH by fdock), with a
 * counting relay in front of its sshd: the relay runs in the host container's own network
 * namespace, listening on its port 2222 and piping to its port 22, so every SSH byte of a deploy
 * crosses it while the site's HTTP (port 80) is reached directly at the host's address, as a
 * user reaches a server's. The example app gets 20 MB of random static files; a code-only change
 * (one .py file) is then redeployed with `fdock up --remote` and by hand (`docker compose build`
 * and `up -d` with DOCKER_HOST=ssh://root@HOST:2222, the same compose file and build context).
 *
 * `node bench/remote-bytes.ts` runs it alone (prints its section); bench/run.ts runs it last.
 * BENCH_REMOTE=0 skips it. Everything it starts goes with the host container (the machine's
 * engine, its images and volumes live inside it) and a temp folder (FDOCK_HOME, HOME, the copy).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { makeStation as makeStationBase, type Station } from "./station.ts";
import { pollUntil, run, runSync, type Ran } from "./proc.ts";
import { countsBetween, type RelayCounts } from "./relay.ts";
import { bytes, median, seconds, table, type Target } from "./report.ts";
import { contextSent, FDOCK_BIN, REPO } from "./stack.ts";

const REDEPLOYS = Number(process.env.BENCH_REDEPLOYS ?? 3);
/** The static files added to the example: random bytes, so no compression makes them smaller. */
export const STATIC_FILES = 20;
export const STATIC_FILE_BYTES = 1024 * 1024;
const MACHINE = "bench";
const RELAY_PORT = 2222;
const FIXTURE = join(REPO, "test/fixtures/ssh-host");

export interface RemoteDeploy {
  ms: number;
  counts: RelayCounts;
  /** BuildKit's own "transferring context" figure per image, when its progress was printed. */
  context: { gunicorn: number | null; nginx: number | null };
}

export interface RemoteResult {
  first: RemoteDeploy;
  fdock: RemoteDeploy[];
  byHand: RemoteDeploy[];
  /** The bytes of the file each redeploy changed. */
  changedBytes: number;
  provision: { ms: number; counts: RelayCounts };
  host: { cpus: number; engine: string; compose: string; openssh: string };
}

type Log = (msg: string) => void;

/** The machines suite's SSH host image for this base image (test/machines/ssh-host.ts names it the same way). */
function hostImage(): { image: string; base: string } {
  const base = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
  return { image: `fdock-test-machines-ssh-host:trixie-${createHash("sha256").update(base).digest("hex").slice(0, 12)}`, base };
}

function debianMirror(): string {
  for (const path of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    try {
      const text = readFileSync(path, "utf8");
      const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(text);
      if (m) return m[1]!;
    } catch {
      // next
    }
  }
  throw new Error("no Debian mirror in /etc/apt: the SSH host image cannot be built");
}

/** The image, built from the fixture (as the machines suite does) when this engine lacks it. */
export async function ensureHostImage(log: Log): Promise<string> {
  const { image, base } = hostImage();
  if (runSync("docker", ["image", "inspect", image], { allowFail: true }).code === 0) return image;
  log(`  building the SSH host image ${image} from test/fixtures/ssh-host`);
  await run("docker", ["build", "-q", "-t", image, "--build-arg", `BASE=${base}`, "--build-arg", `DEBIAN_MIRROR=${debianMirror()}`, "--build-arg", "EXTRA_SUITE=trixie", FIXTURE], { timeoutMs: 600_000 });
  return image;
}


/**
 * An isolated workstation (HOME, FDOCK_HOME, DOCKER_CONFIG in a temp folder) and a copy of the
 * example with the static files added. The system ssh reads ~/.ssh/config from the passwd home:
 * a wrapper on PATH points it at this HOME's (as in the machines suite).
 */
function makeStation(): Station {
  const station = makeStationBase("fdock-bench-remote-");
  const { app } = station;
  const media = join(app, "flask_blog/static/media");
  mkdirSync(media, { recursive: true });
  for (let i = 0; i < STATIC_FILES; i++) writeFileSync(join(media, `blob-${i}.bin`), randomBytes(STATIC_FILE_BYTES));
  return station;
}

/** The relay, run by nsenter in the host container's network namespace: HOST:2222 -> 127.0.0.1:22. */
class NsRelay {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: Array<(line: string) => void> = [];
  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.lines = createInterface({ input: child.stdout });
    this.lines.on("line", (l) => this.waiting.shift()?.(l));
  }

  static async start(containerPid: number): Promise<NsRelay> {
    const child = spawn("nsenter", [`--net=/proc/${containerPid}/ns/net`, "--", process.execPath, join(REPO, "bench/relay-main.ts"), "0.0.0.0", String(RELAY_PORT), "127.0.0.1", "22"], { stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const relay = new NsRelay(child);
    const ready = await Promise.race([
      relay.next(),
      new Promise<string>((_, reject) => child.once("exit", (code) => reject(new Error(`the relay exited (${code}): ${err.trim()}`)))),
    ]);
    if (JSON.parse(ready).port !== RELAY_PORT) throw new Error(`the relay said ${ready}`);
    return relay;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async counts(): Promise<RelayCounts> {
    const line = this.next();
    this.child.stdin.write("?\n");
    return JSON.parse(await line) as RelayCounts;
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill("SIGTERM");
  }
}

/** The bytes and time of one command (or several) over the relay. */
async function measured(relay: NsRelay, what: () => Promise<string>): Promise<RemoteDeploy> {
  const before = await relay.counts();
  const t0 = performance.now();
  const progress = await what();
  const ms = performance.now() - t0;
  // sshd has written its last bytes by the time the client exits; the relay has passed them on.
  const counts = countsBetween(before, await relay.counts());
  return { ms, counts, context: { gunicorn: contextSent(progress, "gunicorn"), nginx: contextSent(progress, "nginx") } };
}

const text = (r: Ran) => r.err + r.out;

export async function remoteBytes(log: Log): Promise<RemoteResult> {
  const image = await ensureHostImage(log);
  const st = makeStation();
  let container: StartedTestContainer | undefined;
  let relay: NsRelay | undefined;
  const fdock = (args: string[], timeoutMs = 600_000) => run(process.execPath, [FDOCK_BIN, ...args], { env: st.env, timeoutMs });
  try {
    const name = `fdock-bench-ssh-host-${process.pid}`;
    log(`remote: starting SSH host ${name} (${image})`);
    // The image's VOLUME gives /var/lib/docker an anonymous volume, removed with the container.
    container = await new GenericContainer(image)
      .withName(name)
      .withHostname(name)
      .withPrivilegedMode()
      .withEnvironment({ AUTHORIZED_KEY: readFileSync(`${st.key}.pub`, "utf8").trim() })
      .withWaitStrategy(Wait.forLogMessage(/Server listening/))
      .start();
    const ip = container.getIpAddress("bridge");
    const pid = Number(runSync("docker", ["inspect", "--format", "{{.State.Pid}}", name]).out.trim());
    relay = await NsRelay.start(pid);
    const hostExec = (script: string) => runSync("docker", ["exec", name, "sh", "-c", script]).out.trim();

    log(`remote: fdock machine create through the relay (${ip}:${RELAY_PORT} -> sshd), installs Docker over SSH`);
    const provisionRun = await measured(relay, async () => text(await fdock(["machine", "create", "-d", "generic", "--generic-ip-address", ip, "--generic-ssh-port", String(RELAY_PORT), "--generic-ssh-key", st.key, MACHINE])));
    log(`  provisioned in ${seconds(provisionRun.ms)}, ${bytes(provisionRun.counts.sent)} sent, ${bytes(provisionRun.counts.received)} received`);
    // Real machines pull the base images from Docker Hub; here the local stand-ins are loaded
    // into the host's engine directly (not over SSH: no deploy sends them).
    const images = [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable"];
    await run("sh", ["-c", `docker save "$1" "$2" | docker exec -i "$3" docker load`, "sh", ...images, name], { timeoutMs: 300_000 });

    // The by-hand deploys use a plain ssh:// DOCKER_HOST: the key and the host key, no fdock entry.
    const hostKey = hostExec("cat /etc/ssh/ssh_host_ed25519_key.pub").split(" ").slice(0, 2).join(" ");
    const knownHosts = join(st.home, ".ssh", "known_hosts");
    writeFileSync(knownHosts, `[${ip}]:${RELAY_PORT} ${hostKey}\n`);
    appendFileSync(join(st.home, ".ssh", "config"), `\nHost ${ip}\n  IdentityFile "${st.key}"\n  IdentitiesOnly yes\n  UserKnownHostsFile "${knownHosts}"\n`);
    const byHandEnv = { ...st.env, DOCKER_HOST: `ssh://root@${ip}:${RELAY_PORT}` };
    const composeByHand = (args: string[]) => run("docker", ["compose", "-f", ".fdock/compose.yaml", ...args], { cwd: st.app, env: byHandEnv, timeoutMs: 600_000 });

    const version = join(st.app, "flask_blog/version.py");
    const setVersion = (v: string) => writeFileSync(version, `VERSION = ${JSON.stringify(v)}\n`);
    const served = (v: string) => pollUntil(`http://${ip}/api/version`, (b) => (JSON.parse(b) as { version: string }).version === v, 120_000);

    const fdockDeploy = async (v: string) => {
      setVersion(v);
      const d = await measured(relay!, async () => {
        const r = await fdock(["-C", st.app, "--verbose", "up", "--remote", MACHINE]);
        await served(v);
        return text(r);
      });
      log(`  fdock up --remote (${v}): ${seconds(d.ms)}, ${bytes(d.counts.sent)} sent, ${bytes(d.counts.received)} received, ${d.counts.connections} connections; BuildKit context gunicorn ${bytes(d.context.gunicorn)}, nginx ${bytes(d.context.nginx)}`);
      return d;
    };
    const byHandDeploy = async (v: string) => {
      setVersion(v);
      const d = await measured(relay!, async () => {
        const build = await composeByHand(["--progress", "plain", "build"]);
        const up = await composeByHand(["up", "-d"]);
        await served(v);
        return text(build) + text(up);
      });
      log(`  by hand, compose build + up -d (${v}): ${seconds(d.ms)}, ${bytes(d.counts.sent)} sent, ${bytes(d.counts.received)} received, ${d.counts.connections} connections; BuildKit context gunicorn ${bytes(d.context.gunicorn)}, nginx ${bytes(d.context.nginx)}`);
      return d;
    };

    log(`remote: first deploy of the example with ${STATIC_FILES} x ${bytes(STATIC_FILE_BYTES)} of random static files`);
    const first = await fdockDeploy("first");
    log("remote: code-only redeploys (flask_blog/version.py), fdock and by hand alternating");
    const fdockRuns: RemoteDeploy[] = [];
    const byHandRuns: RemoteDeploy[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      fdockRuns.push(await fdockDeploy(`fdock-${i}`));
      byHandRuns.push(await byHandDeploy(`hand-${i}`));
    }
    return {
      first,
      fdock: fdockRuns,
      byHand: byHandRuns,
      changedBytes: statSync(version).size,
      provision: { ms: provisionRun.ms, counts: provisionRun.counts },
      host: {
        cpus: Number(hostExec("nproc")),
        engine: hostExec("docker version --format '{{.Server.Version}}'"),
        compose: runSync("docker", ["compose", "version", "--short"]).out.trim(),
        openssh: (runSync("ssh", ["-V"]).err || "").trim().split(",")[0] ?? "?",
      },
    };
  } finally {
    log("remote: tearing down (the machine's record, the relay, the host container with its engine and images)");
    await fdock(["machine", "rm", "-y", "-f", MACHINE], 120_000).catch((e: Error) => log(`  fdock machine rm failed: ${e.message}`));
    relay?.stop();
    await container?.stop({ removeVolumes: true }).catch((e: Error) => log(`  stopping the host failed: ${e.message}`));
    rmSync(st.root, { recursive: true, force: true });
  }
}

const med = (ds: RemoteDeploy[], f: (d: RemoteDeploy) => number | null) => median(ds.map((d) => f(d) ?? Number.NaN));

/** What a code-only redeploy sends, in words, from the measured figures. */
function whatIsSent(r: RemoteResult): string {
  const ctx = (ds: RemoteDeploy[]) => `${bytes(med(ds, (d) => d.context.gunicorn))} for the app image and ${bytes(med(ds, (d) => d.context.nginx))} for nginx's`;
  return `BuildKit on the machine keeps the build context it last received from this folder (keyed by the folder's path and an id in the Docker CLI's config directory), and its file sync sends a listing of the folder and only the files whose size or modification time changed: BuildKit counted ${ctx(r.fdock)} on each redeploy, against ${bytes(r.first.context.gunicorn)} on the first deploy (nginx's context, the same folder, then came across in ${bytes(r.first.context.nginx)}). The rest is the Docker API, BuildKit's session and SSH's own framing: fdock's API calls share one SSH connection and its compose calls go through the machine's ssh entry (one master connection, kept 60 s), so a redeploy opened ${med(r.fdock, (d) => d.counts.connections)} new SSH connection(s); the by-hand DOCKER_HOST=ssh:// opens one per API connection (${med(r.byHand, (d) => d.counts.connections)})`;
}

/** The target: a code-only redeploy sends at most 2 x the changed files + 1 MB over SSH. */
export function remoteTarget(r: RemoteResult): Target {
  const sent = med(r.fdock, (d) => d.counts.sent);
  const limit = 2 * r.changedBytes + 1e6;
  return {
    name: "remote code-only redeploy: bytes sent over SSH",
    want: `<= 2 x ${r.changedBytes} B + 1 MB`,
    got: `${bytes(sent)} (by hand: ${bytes(med(r.byHand, (d) => d.counts.sent))})`,
    pass: sent <= limit,
    why: whatIsSent(r),
  };
}

/** The section of bench/RESULTS.md (Markdown). */
export function remoteSection(r: RemoteResult): string {
  const row = (label: string, ds: RemoteDeploy[]) => [
    label,
    bytes(med(ds, (d) => d.counts.sent)),
    bytes(med(ds, (d) => d.counts.received)),
    seconds(med(ds, (d) => d.ms)),
    String(med(ds, (d) => d.counts.connections)),
    ds.map((d) => `${bytes(d.context.gunicorn)} + ${bytes(d.context.nginx)}`).join(", "),
  ];
  return [
    "## Remote redeploy over SSH: bytes sent",
    "",
    `A test SSH host (a privileged container: ${r.host.cpus} CPUs, Docker Engine ${r.host.engine} installed by \`fdock machine create -d generic\`; client: Compose ${r.host.compose}, ${r.host.openssh}), with a counting TCP relay in front of its sshd (in the host's network namespace, port ${RELAY_PORT} -> 22): every SSH byte of a deploy is counted, the site's HTTP is not. The example app carries ${STATIC_FILES} x ${bytes(STATIC_FILE_BYTES)} of random static files (in both images' build contexts: the app image copies the project, nginx serves the static folder). A code-only redeploy changes one file (flask_blog/version.py, ${r.changedBytes} bytes) and lasts until the site serves it; fdock and by hand alternate, on the same machine, compose file and build context.`,
    "",
    table(
      ["deploy (until served)", `sent (median of ${r.fdock.length})`, "received", "time", "new SSH connections", "BuildKit context transferred (app + nginx), each run"],
      [
        row("fdock up --remote, code-only redeploy", r.fdock),
        row("by hand: `docker compose build` + `up -d`, DOCKER_HOST=ssh://", r.byHand),
        row("fdock up --remote, first deploy (for reference)", [r.first]),
      ],
    ),
    "",
    `${whatIsSent(r)}.`,
    "",
    `${med(r.fdock, (d) => d.ms) > 1.1 * med(r.byHand, (d) => d.ms) ? "fdock's redeploy takes longer than the by-hand one because it does more" : "fdock's redeploy takes about as long as the by-hand one, and does more"}: its release command, and a new gunicorn started beside the old one with nginx switched to it (no request dropped), where \`up -d\` replaces the containers in place. Provisioning (\`fdock machine create\`, installing Docker over SSH) took ${seconds(r.provision.ms)}: ${bytes(r.provision.counts.sent)} sent, ${bytes(r.provision.counts.received)} received (the packages come from the host's own mirror). The base images were loaded into the host's engine directly, not over SSH (a real machine pulls them from its registry).`,
  ].join("\n");
}

if (import.meta.main) {
  const started = performance.now();
  const log: Log = (msg) => process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
  remoteBytes(log).then((r) => {
    const t = remoteTarget(r);
    process.stdout.write(`${remoteSection(r)}\n\n${t.name}: ${t.got}, wanted ${t.want}: ${t.pass ? "PASS" : "FAIL"}\n`);
  }, (e: unknown) => {
    process.stderr.write(`remote bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
