import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { silentReporter } from "../../src/core/events.js";
import { runArgv } from "../../src/core/exec.js";
import { HealthCheckError, PrecheckError } from "../../src/core/errors.js";
import { planStack } from "../../src/core/stack/prepare.js";
import { renderBundle } from "../../src/core/render/bundle.js";
import { up } from "../../src/core/stack/up.js";
import { docker, downLocal, eventually, httpGet, removeProjectImages } from "../helpers/engine.js";
import { failure } from "../helpers/failure.js";
import { copyExample, TASKS_EXAMPLE_DIR } from "../helpers/project.js";

const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));
const haveServices = !!process.env.FDOCK_POSTGRES_IMAGE && !!process.env.FDOCK_REDIS_IMAGE;

/**
 * The second example (Flask-SQLAlchemy on Postgres, a Celery worker on Redis) deployed by fdock
 * on the local engine with the rig's postgres:16 and redis:7 stand-ins.
 */
describe.skipIf(!haveServices)("backing services and processes (real engine, real Postgres and Redis)", () => {
  const ex = copyExample({}, TASKS_EXAMPLE_DIR);
  const opts = { dir: ex.dir, mode: "production" as const, port: 0, publishHost: "127.0.0.1" };
  let base = "";
  const json = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const enqueue = async (text: string) => {
    const res = await json("POST", "/jobs", { text });
    expect(res.status).toBe(202);
    return res.body.id as number;
  };
  const done = async (id: number) => {
    let job: Record<string, any> = {};
    await eventually(async () => (job = (await json("GET", `/jobs/${id}`)).body).status === "done", 60_000, `job ${id} done`);
    return job;
  };
  const container = async (service: string) =>
    docker("ps", "-q", "--filter", `label=com.docker.compose.project=${ex.name}`, "--filter", `label=com.docker.compose.service=${service}`);
  const startedAt = async (service: string) => docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", await container(service));
  const password = () => docker("run", "--rm", "--network", "none", "-v", `${ex.name}_credentials:/c:ro`, "--entrypoint", "cat", process.env.FDOCK_PYTHON_IMAGE!, "/c/postgres-password");
  const setConfig = (change: (c: Record<string, any>) => void) => {
    const file = join(ex.dir, "fdock.yaml");
    const config = parse(readFileSync(file, "utf8")) as Record<string, any>;
    change(config);
    writeFileSync(file, stringify(config));
  };

  beforeAll(async () => {
    const first = await up(opts, silentReporter);
    base = `http://127.0.0.1:${first.port}`;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await docker("image", "rm", "-f", `fdock-test-pg-next-${process.pid}`).catch(() => undefined);
    await removeProjectImages(ex.name).catch(() => undefined);
    ex.cleanup();
  });

  it("serves the app: a job enqueued through the web app is processed by the worker and read back from Postgres", async () => {
    expect((await httpGet(`${base}/health`)).status).toBe(200);
    const id = await enqueue("one two three");
    const job = await done(id);
    expect(job.result).toMatchObject({ word_count: 3 });
    // The worker container did it, not the web one (Celery's eager mode would run it in gunicorn).
    expect(job.worker).toBe((await container("worker")).slice(0, 12));
    // Services are never published on a host port.
    for (const s of ["postgres", "redis", "worker"]) expect(await docker("port", await container(s))).toBe("");
  });

  it("keeps credentials on the engine only: not in fdock.yaml, the rendered files, the images or the web container's inspect", async () => {
    const secret = await password();
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
    expect(readFileSync(join(ex.dir, "fdock.yaml"), "utf8")).not.toContain(secret);
    const planned = await planStack(opts);
    const bundle = renderBundle(planned.project, planned.plan, planned.target);
    expect(JSON.stringify(bundle)).not.toContain(secret);
    const web = await container("gunicorn");
    expect(await docker("inspect", web)).not.toContain(secret);
    expect(await docker("image", "inspect", `fdock-${ex.name}-gunicorn:latest`)).not.toContain(secret);
    expect(await docker("history", "--no-trunc", `fdock-${ex.name}-gunicorn:latest`)).not.toContain(secret);
    // The app's containers get them through the image's entrypoint.
    expect(await docker("exec", web, "sh", "/etc/fdock/with-app-env", "printenv", "PGUSER", "PGHOST")).toBe("app\npostgres");
    expect(await docker("exec", web, "sh", "/etc/fdock/with-app-env", "printenv", "DATABASE_URL")).toBe(`postgresql://app:${secret}@postgres:5432/app`);
  });

  it("keeps rows and Postgres itself across a code-only redeploy: same container, same start, same password", async () => {
    const id = await enqueue("before the redeploy");
    await done(id);
    const [pgBefore, redisBefore, secret, workerBefore] = await Promise.all([startedAt("postgres"), startedAt("redis"), password(), container("worker")]);
    // The old worker's log until it stops: Celery says how it was stopped.
    const oldWorkerLog = runArgv({ file: "docker", args: ["logs", "--follow", workerBefore] });
    const views = join(ex.dir, "tasks_app/views.py");
    writeFileSync(views, readFileSync(views, "utf8").replace("<h1>flask-tasks</h1>", "<h1>flask-tasks v2</h1>"));
    await up(opts, silentReporter);
    expect((await httpGet(`${base}/`)).body).toContain("flask-tasks v2");
    expect(await startedAt("postgres")).toBe(pgBefore);
    expect(await startedAt("redis")).toBe(redisBefore);
    expect(await password()).toBe(secret);
    // The worker runs the new image; Docker's init passed it the stop signal (Celery's warm shutdown).
    expect(await container("worker")).not.toBe(workerBefore);
    const log = await oldWorkerLog;
    expect(log.stdout + log.stderr).toMatch(/Warm shutdown/);
    expect((await json("GET", `/jobs/${id}`)).body.status).toBe("done");
    expect(await done(await enqueue("after the redeploy"))).toMatchObject({ status: "done" });
  });

  it("keeps rows across fdock down / up and a change of worker count", async () => {
    const id = await enqueue("survives down");
    await done(id);
    await downLocal(ex.dir, false);
    expect(await docker("volume", "ls", "-q", "--filter", `name=${ex.name}_postgres-data`)).toBe(`${ex.name}_postgres-data`);
    setConfig((c) => (c.workers = { ...c.workers, count: 2 }));
    const again = await up(opts, silentReporter);
    base = `http://127.0.0.1:${again.port}`;
    expect((await json("GET", `/jobs/${id}`)).body).toMatchObject({ status: "done", text: "survives down" });
  });

  it("gives fdock run the app's DATABASE_URL: a one-off query reads the rows, its exit code passed on", async () => {
    const query = "import os, sys, sqlalchemy as sa; e = sa.create_engine(os.environ['DATABASE_URL'].replace('postgresql://', 'postgresql+pg8000://', 1)); n = e.connect().execute(sa.text('select count(*) from jobs')).scalar(); print('jobs', n); sys.exit(3)";
    const r = await runArgv({ file: process.execPath, args: [BIN, "-C", ex.dir, "run", "--production", "--", "python", "-c", query] });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(Number(/jobs (\d+)/.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(3);
  });

  it("restarts a process that crashes", async () => {
    const worker = await container("worker");
    const pid = await docker("inspect", "-f", "{{.State.Pid}}", worker);
    process.kill(Number(pid), "SIGKILL");
    await eventually(async () => Number(await docker("inspect", "-f", "{{.RestartCount}}", worker)) > 0 && (await docker("inspect", "-f", "{{.State.Running}}", worker)) === "true", 30_000, "the worker restarted");
    expect(await done(await enqueue("after a crash"))).toMatchObject({ status: "done" });
  });

  it("refuses a postgres major version change before anything stops, with the way out", async () => {
    // The rig's stand-in is one postgres; a second major is the same server with another PG_MAJOR,
    // which is what fdock reads from an image (the official ones set it).
    const next = `fdock-test-pg-next-${process.pid}`;
    const built = await runArgv({ file: "docker", args: ["build", "-q", "-t", next, "-"] }, { input: `FROM ${process.env.FDOCK_POSTGRES_IMAGE}\nENV PG_MAJOR=99\n` });
    expect(built.exitCode, built.stderr).toBe(0);
    const before = await Promise.all([startedAt("postgres"), startedAt("gunicorn")]);
    const e = await failure(up({ ...opts, env: { ...process.env, FDOCK_POSTGRES_IMAGE: next } }, silentReporter));
    expect(e).toBeInstanceOf(PrecheckError);
    expect(e.message).toMatch(/^postgres 99 \(fdock-test-pg-next-\d+\) would not start on this app's data: postgres 15 wrote it/);
    expect((e as PrecheckError).hint).toMatch(/fdock backup .*fdock down -v --yes.*fdock restore/);
    expect(await Promise.all([startedAt("postgres"), startedAt("gunicorn")])).toEqual(before);
  });

  it("stops before the release command when a service never becomes healthy; the running version keeps serving", async () => {
    const before = await startedAt("gunicorn");
    // An image with no redis-server in it: the container exits at once, again and again.
    const e = await failure(up({ ...opts, env: { ...process.env, FDOCK_REDIS_IMAGE: process.env.FDOCK_PYTHON_IMAGE! } }, silentReporter));
    expect(e).toBeInstanceOf(HealthCheckError);
    expect(e.message).toBe("redis did not become healthy, so the deploy stopped before the release command.");
    expect(await startedAt("gunicorn")).toBe(before);
    expect((await httpGet(`${base}/health`)).status).toBe(200);
  });
});

describe.skipIf(!haveServices)("backing services in development mode (real engine)", () => {
  const ex = copyExample({}, TASKS_EXAMPLE_DIR);
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name).catch(() => undefined);
    ex.cleanup();
  });

  it("runs the same fdock.yaml with `fdock up` (development): the worker processes a job from the mounted source", async () => {
    const result = await up({ dir: ex.dir, mode: "development", port: 0, publishHost: "127.0.0.1" }, silentReporter);
    const base = `http://127.0.0.1:${result.port}`;
    const posted = await fetch(`${base}/jobs`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "in development" }) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: number };
    let job: Record<string, unknown> = {};
    await eventually(async () => (job = (await (await fetch(`${base}/jobs/${id}`)).json()) as Record<string, unknown>).status === "done", 60_000, "the job done");
    expect(job).toMatchObject({ result: { word_count: 2 } });
  });
});
