/**
 * The stacks the bench runs, all on the local engine from one temp copy of the example app:
 * fdock's own (through its CLI) and the baselines, as compose override files laid over the
 * compose file fdock rendered. Overrides live outside fdock's topology and are bench-only.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { run, runSync, type Ran } from "./proc.ts";

export const REPO = resolve(import.meta.dirname, "..");
export const EXAMPLE = join(REPO, "examples/flask-blog");
export const FDOCK_BIN = join(REPO, "dist/cli/bin.js");
/**
 * Every compose project the bench makes starts with "fdock-bench-" (shared engine etiquette); the
 * pid keeps two benches on one engine from replacing each other's containers.
 */
export const PROJECT = `fdock-bench-blog-${process.pid}`;
export const NAIVE_IMAGE = `fdock-bench-naive-gunicorn-${process.pid}:latest`;
/** The size of the file planted in the copy's .venv: what a naive build context would carry. */
export const VENV_BLOB_BYTES = 32 * 1024 * 1024;

export interface Workspace {
  root: string;
  app: string;
  bundle: string;
  overrides: string;
}

/** A temp copy of the example, with the junk a real project folder has: .git, a .venv, caches. */
export function makeWorkspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), "fdock-bench-"));
  const app = join(root, "app");
  cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/(\/\.fdock|\/instance|__pycache__)(\/|$)/.test(src) });
  const yaml = readFileSync(join(app, "fdock.yaml"), "utf8").replace(/^name: .*$/m, `name: ${PROJECT}`);
  writeFileSync(join(app, "fdock.yaml"), yaml);
  // A real git repository, a virtualenv with a big file, bytecode caches.
  const git = ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "init.defaultBranch=main"];
  runSync("git", [...git, "init", "-q"], { cwd: app });
  runSync("git", [...git, "add", "-A"], { cwd: app });
  runSync("git", [...git, "commit", "-q", "-m", "example"], { cwd: app });
  mkdirSync(join(app, ".venv/lib/python3.11/site-packages"), { recursive: true });
  writeFileSync(join(app, ".venv/lib/python3.11/site-packages/big.so"), randomBytes(VENV_BLOB_BYTES));
  writeFileSync(join(app, ".venv/pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = false\n");
  mkdirSync(join(app, "flask_blog/__pycache__"), { recursive: true });
  writeFileSync(join(app, "flask_blog/__pycache__/views.cpython-311.pyc"), randomBytes(4096));
  const overrides = join(root, "overrides");
  mkdirSync(overrides);
  return { root, app, bundle: join(app, ".fdock"), overrides };
}

export function removeWorkspace(ws: Workspace): void {
  rmSync(ws.root, { recursive: true, force: true });
}

export function fdock(ws: Workspace, args: string[], timeoutMs = 300_000): Promise<Ran> {
  return run(process.execPath, [FDOCK_BIN, "-C", ws.app, ...args], { timeoutMs });
}

/** `docker compose` on fdock's rendered file plus the named overrides. */
export function compose(ws: Workspace, overrides: string[], args: string[], timeoutMs = 300_000): Promise<Ran> {
  const files = ["compose.yaml", ...overrides.map((o) => join(ws.overrides, `${o}.yaml`))].flatMap((f) => ["-f", f]);
  return run("docker", ["compose", "-p", PROJECT, ...files, ...args], { cwd: ws.bundle, timeoutMs });
}

export function writeOverride(ws: Workspace, name: string, yaml: string): void {
  writeFileSync(join(ws.overrides, `${name}.yaml`), yaml);
}

/**
 * Replaces gunicorn's command (and nothing else): the same image, nginx, network and volume.
 * stopSignal: the Flask development server as PID 1 ignores SIGTERM (Docker would wait 10 s).
 */
export function commandOverride(argv: string[], stopSignal?: string): string {
  const stop = stopSignal ? `    stop_signal: ${stopSignal}\n` : "";
  return `services:\n  gunicorn:\n    command: ${JSON.stringify(argv)}\n${stop}`;
}

/** gunicorn also on the edge network, published on loopback only: bench-only, never in fdock's topology. */
export const DIRECT_OVERRIDE = `services:
  gunicorn:
    networks: [internal, edge]
    ports: ["127.0.0.1::8000"]
`;

/** The naive image: source first, then requirements, no ignore file. Same compose otherwise. */
export function naiveDockerfile(): string {
  return `# What many tutorials write: every code change invalidates the pip layer.
ARG PYTHON_IMAGE
FROM \${PYTHON_IMAGE}
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
RUN mkdir -p /etc/fdock && cp .fdock/gunicorn.conf.py .fdock/fdock_wsgi.py .fdock/fdock_health.py /etc/fdock/
CMD ["python", "-m", "gunicorn", "--config", "/etc/fdock/gunicorn.conf.py"]
`;
}

export function naiveOverride(ws: Workspace): string {
  const dockerfile = join(ws.root, "naive", "Dockerfile");
  mkdirSync(join(ws.root, "naive"), { recursive: true });
  writeFileSync(dockerfile, naiveDockerfile());
  const build = `    build:\n      context: ${JSON.stringify(ws.app)}\n      dockerfile: ${JSON.stringify(dockerfile)}\n      args:\n        PYTHON_IMAGE: ${JSON.stringify(process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim")}\n`;
  return `services:\n  gunicorn:\n    image: ${NAIVE_IMAGE}\n${build}  release:\n    image: ${NAIVE_IMAGE}\n`;
}

/** The host port a service publishes, from compose. */
export async function publishedPort(ws: Workspace, overrides: string[], service: string, port: number): Promise<number> {
  const r = await compose(ws, overrides, ["port", service, String(port)]);
  const m = /:(\d+)\s*$/.exec(r.out.trim());
  if (!m) throw new Error(`compose port ${service} ${port} printed ${JSON.stringify(r.out)}`);
  return Number(m[1]);
}

/**
 * The running app (gunicorn's service), nginx and front containers: full id -> "app" or "nginx"
 * (the front, fdock's production proxy in front of nginx, counts as nginx: both are the proxy's cost).
 */
export async function containers(ws: Workspace, overrides: string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const [service, label] of [["gunicorn", "app"], ["nginx", "nginx"], ["front", "nginx"]] as const) {
    const r = await compose(ws, overrides, ["ps", "--quiet", "--no-trunc", service]);
    for (const id of r.out.trim().split("\n").filter(Boolean)) map.set(id, label);
  }
  return map;
}

/** Recreates gunicorn, nginx and the front from the current images with the given overrides; waits until healthy. */
export async function recreate(ws: Workspace, overrides: string[]): Promise<number> {
  await compose(ws, overrides, ["up", "--detach", "--wait", "--no-build", "--force-recreate", "--remove-orphans", "gunicorn", "nginx", "front"]);
  return publishedPort(ws, overrides, "front", 80);
}

/** GETs url from `clients` loops (a new connection each time) until stop(); counts answers by status (0: none). */
export function askDuring(url: string, clients = 4): { stop: () => Promise<Map<number, number>> } {
  let asking = true;
  const counts = new Map<number, number>();
  const once = () => new Promise<number>((resolve) => {
    const req = request(url, { headers: { Connection: "close" }, timeout: 10_000 }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode ?? 0)); res.on("error", () => resolve(0)); });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
  const loops = Array.from({ length: clients }, async () => {
    while (asking) {
      const status = await once();
      counts.set(status, (counts.get(status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return { stop: async () => { asking = false; await Promise.all(loops); return counts; } };
}

export interface ContextDump {
  bytes: number;
  files: number;
  /** Paths under .git, virtualenvs or caches that made it in (must be none for fdock). */
  junk: string[];
}

/**
 * Exactly what a Dockerfile beside `ignoreFile` (or none) admits into the build context:
 * BuildKit copies the context into a scratch image exported to a folder.
 */
export async function contextDump(ws: Workspace, label: string, ignoreFile: string | null): Promise<ContextDump> {
  const dir = join(ws.root, `probe-${label}`);
  const out = join(ws.root, `dump-${label}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "probe.Dockerfile"), "FROM scratch\nCOPY . /\n");
  if (ignoreFile) cpSync(ignoreFile, join(dir, "probe.Dockerfile.dockerignore"));
  await run("docker", ["build", "--quiet", "--output", `type=local,dest=${out}`, "-f", join(dir, "probe.Dockerfile"), ws.app]);
  const found = runSync("find", [out, "-type", "f", "-printf", "%s %P\n"]).out.trim().split("\n").filter(Boolean);
  let bytes = 0;
  const junk: string[] = [];
  for (const line of found) {
    const sp = line.indexOf(" ");
    const size = Number(line.slice(0, sp));
    const path = line.slice(sp + 1);
    bytes += size;
    if (/(^|\/)(\.git|\.venv|venv|__pycache__|\.pytest_cache|\.mypy_cache)(\/|$)|\.py[cod]$/.test(path)) junk.push(path);
  }
  rmSync(out, { recursive: true, force: true });
  return { bytes, files: found.length, junk };
}

/** BuildKit's "transferring context: 13.36kB" for one service's build, from plain progress output. */
export function contextSent(progress: string, service: string): number | null {
  const id = new RegExp(`^#(\\d+) \\[${service} internal\\] load build context`, "m").exec(progress)?.[1];
  if (!id) return null;
  let total: number | null = null;
  for (const m of progress.matchAll(new RegExp(`^#${id} transferring context: ([\\d.]+)([kMG]?B)`, "gm"))) {
    const mult = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2]!] ?? 1;
    total = Number(m[1]) * mult; // the last line carries the final count
  }
  return total;
}

/**
 * How long one service's `RUN pip install` step took, from BuildKit's plain progress output:
 * "#12 [gunicorn 3/5] RUN pip install …" … "#12 DONE 6.2s"; 0 when the step came from the cache,
 * null when the output holds no such step.
 */
export function pipStepMs(progress: string, service: string): number | null {
  const id = new RegExp(`^#(\\d+) \\[${service}[^\\]]*\\] RUN pip install`, "m").exec(progress)?.[1];
  if (!id) return null;
  if (new RegExp(`^#${id} CACHED`, "m").test(progress)) return 0;
  const done = new RegExp(`^#${id} DONE ([\\d.]+)s`, "m").exec(progress);
  return done ? Number(done[1]) * 1000 : null;
}

/** The requests that did not get a 200 while a redeploy ran: GETs url over and over until stopped. */
export function keepAsking(url: () => string): { stop: () => Promise<{ asked: number; failed: number }> } {
  let asking = true;
  let asked = 0;
  let failed = 0;
  const loop = (async () => {
    while (asking) {
      const ok = await fetch(url(), { signal: AbortSignal.timeout(5000), headers: { connection: "close" } })
        .then(async (r) => { await r.arrayBuffer(); return r.status === 200; }, () => false);
      asked++;
      if (!ok) failed++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => { asking = false; await loop; return { asked, failed }; } };
}
