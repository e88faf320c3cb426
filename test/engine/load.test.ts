import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArgv } from "../../src/core/exec.js";
import { existingCompose } from "../../src/core/stack/existing-compose.js";
import { copyExample } from "../helpers/project.js";
import { docker, downLocal, eventually, removeProjectImages, upLocal } from "../helpers/engine.js";

/** One request's outcome: the status, or the client error's code (ECONNRESET, ...) when none came. */
type Outcome = number | string;

/** A request over agent; resolves with the status (body read to the end) or the error's code. */
function ask(agent: Agent, url: string, opts: { method?: string; body?: Buffer; timeoutMs?: number } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers = opts.body ? { "Content-Type": "application/json", "Content-Length": String(opts.body.length) } : {};
    const req = request(url, { agent, method: opts.method ?? "GET", headers, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end(opts.body);
  });
}

/** Outcome -> how many times it happened, e.g. { "200": 3072 }. */
function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o)] = (counts[String(o)] ?? 0) + 1;
  return counts;
}

/** The production stack of the example app under load: nginx's limits, body size and gunicorn's reload. */
describe("the production stack under load", () => {
  // A small body limit, so the upload test needs only 2 MB.
  const ex = copyExample({ server: { names: [], redirect_www: false, client_max_body_size: "1m" } });
  let base: string;
  let workers: number;
  beforeAll(async () => {
    const result = await upLocal(ex.dir, "production");
    base = `http://127.0.0.1:${result.port}`;
    workers = result.workers.workers;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("serves 1,024 concurrent keep-alive clients on /api/io?ms=50: no error, no 5xx", async () => {
    const CLIENTS = 1024;
    const ROUNDS = 4;
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const outcomes: Outcome[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        outcomes.push(...(await Promise.all(Array.from({ length: CLIENTS }, () => ask(agent, `${base}/api/io?ms=50`)))));
      }
    } finally {
      agent.destroy();
    }
    expect(tally(outcomes)).toEqual({ 200: CLIENTS * ROUNDS });
    // The kernel never dropped a connection for want of room in nginx's accept queue (its
    // default of 511 did, each drop a client's SYN retransmitted 1-3 s later).
    // The front (production) takes the clients' connections, the app's nginx the front's.
    for (const service of ["front", "nginx"]) {
      const netstat = await docker("exec", `${ex.name}-${service}-1`, "cat", "/proc/net/netstat");
      const [names, values] = netstat.split("\n").filter((l) => l.startsWith("TcpExt:")).map((l) => l.split(/\s+/));
      expect({ service, overflows: Number(values![names!.indexOf("ListenOverflows")]) }).toEqual({ service, overflows: 0 });
    }
    const nginxLog = await existingCompose(ex.dir).logs(["front", "nginx"]);
    expect(nginxLog).not.toContain("worker_connections are not enough");
    expect(nginxLog).not.toMatch(/Too many open files|setrlimit/);
  });

  it("answers an upload above client_max_body_size with 413 from nginx: gunicorn never sees it", async () => {
    const agent = new Agent({ keepAlive: false });
    const marker = `upload-${process.pid}`;
    try {
      // 2 MB against the 1m limit, and a small one that goes through, as a control.
      const big = await ask(agent, `${base}/api/posts?marker=${marker}-big`, { method: "POST", body: Buffer.alloc(2 * 1024 * 1024, "x") });
      const small = await ask(agent, `${base}/api/posts?marker=${marker}-small`, { method: "POST", body: Buffer.from(JSON.stringify({ title: "t", body: "b" })) });
      expect(big).toBe(413);
      expect(small).toBe(201);
    } finally {
      agent.destroy();
    }
    const compose = existingCompose(ex.dir);
    // nginx writes its access log a second at a time: wait until it shows both requests.
    await eventually(async () => {
      const log = await compose.logs(["nginx"]);
      return log.includes(`${marker}-big HTTP/1.1" 413`) && log.includes(`${marker}-small HTTP/1.1" 201`);
    }, 15_000, "nginx logs both uploads");
    const gunicornLog = await compose.logs(["gunicorn"]);
    expect(gunicornLog).toContain(`${marker}-small`);
    expect(gunicornLog).not.toContain(`${marker}-big`);
  });

  it("reloads gunicorn gracefully (HUP, twice) under load: no 5xx, no connection error", async () => {
    await hupTwiceUnderLoad(base, ex.name, workers);
  });
});

/** gthread workers keep upstream connections too, and stop differently from gevent's: the same reload. */
describe("a gthread stack under load", () => {
  const ex = copyExample({ workers: { class: "gthread", count: 3, threads: 4 } });
  let base: string;
  beforeAll(async () => {
    base = `http://127.0.0.1:${(await upLocal(ex.dir, "production")).port}`;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("reloads gunicorn gracefully (HUP, twice) under load: no 5xx, no connection error", async () => {
    await hupTwiceUnderLoad(base, ex.name, 3);
  });
});

/** The one running gunicorn container of a compose project. */
async function gunicornId(project: string): Promise<string> {
  const ids = (await docker("ps", "--filter", `label=com.docker.compose.project=${project}`, "--filter", "label=com.docker.compose.service=gunicorn", "--format", "{{.ID}}")).split("\n").filter(Boolean);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/**
 * 32 keep-alive clients ask /api/io?ms=50 in a loop while gunicorn's master gets SIGHUP twice
 * (`docker kill -s HUP`): it boots a new set of workers and stops the old ones gracefully. Every
 * answer must be a 200, with no connection error.
 */
async function hupTwiceUnderLoad(base: string, project: string, workers: number): Promise<void> {
  const id = await gunicornId(project);
  const CLIENTS = 32;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const outcomes: Outcome[] = [];
  let asking = true;
  const loops = Array.from({ length: CLIENTS }, async () => {
    while (asking) outcomes.push(await ask(agent, `${base}/api/io?ms=50`));
  });
  const countInLog = async (text: string) => (await logsOf(id)).split(text).length - 1;
  try {
    await eventually(async () => outcomes.length >= 200, 30_000, "the clients get answers before the reload");
    for (let hup = 1; hup <= 2; hup++) {
      await docker("kill", "--signal", "HUP", id);
      await eventually(async () => (await countInLog("Handling signal: hup")) >= hup, 30_000, `gunicorn handles HUP #${hup}`);
      await eventually(async () => (await countInLog("Booting worker")) >= workers * (hup + 1), 60_000, `gunicorn boots new workers after HUP #${hup}`);
      const before = outcomes.length;
      await eventually(async () => outcomes.length >= before + 300, 60_000, `the clients keep getting answers after HUP #${hup}`);
    }
  } finally {
    asking = false;
    await Promise.all(loops);
    agent.destroy();
  }
  expect(await gunicornId(project)).toBe(id); // the same container: reloaded, not restarted
  expect(tally(outcomes)).toEqual({ 200: outcomes.length });
}

/** A container's stdout and stderr together (gunicorn logs to both). */
async function logsOf(id: string): Promise<string> {
  const r = await runArgv({ file: "docker", args: ["logs", id] });
  return r.stdout + r.stderr;
}
