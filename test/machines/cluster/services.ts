/**
 * `fdock up --remote CLUSTER` for an app with services and processes (the flask-tasks example:
 * Flask-SQLAlchemy on Postgres, a Celery worker on Redis, migrations as the release command), and
 * `fdock run --remote CLUSTER`, on the shared cluster. Postgres and Redis run on the node that
 * holds their data (the first manager), the app's gunicorn replicas on every node reach them over
 * the stack's overlay network, credentials are Swarm secrets that nothing prints.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { httpGet } from "../../../src/core/stack/http-check.js";
import { copyExample, TASKS_EXAMPLE_DIR } from "../../helpers/project.js";
import { out, type ClusterSuiteContext } from "../cluster-fixture.js";

const PORT = 8081;

export function servicesSuite(ctx: ClusterSuiteContext): void {
  const ex = copyExample({}, TASKS_EXAMPLE_DIR);
  const app = ex.name;
  const w = () => ctx.world;
  const manager = () => w().names[0]!;
  const ip = (i: number) => w().hosts[i]!.ip;
  const up = (...extra: string[]) => w().ws.fdock(["--verbose", "-C", ex.dir, "up", "--remote", w().cluster, "--port", String(PORT), "--replicas", String(w().names.length), ...extra]);
  const dockerOn = async (machine: string, args: string[]) => {
    const r = await w().docker(machine, args);
    expect(r.exitCode, `${machine}: docker ${args.join(" ")}: ${out(r)}`).toBe(0);
    return r.stdout.trim();
  };
  const api = async (i: number, method: "GET" | "POST", path: string, body?: unknown) => {
    const res = await fetch(`http://${ip(i)}:${PORT}${path}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  /** A job posted through one node's nginx, read back through another's until the worker did it. */
  const jobDone = async (text: string, postVia = 0) => {
    const posted = await api(postVia, "POST", "/jobs", { text });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const id = posted.body.id as number;
    const readVia = (postVia + 1) % w().names.length;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const job = (await api(readVia, "GET", `/jobs/${id}`)).body;
      if (job.status === "done") return job;
      if (Date.now() > deadline) throw new Error(`job ${id} not done: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  /** The running container of a stack service on the data node (the manager), and its task. */
  const onDataNode = async (service: string) => {
    const id = await dockerOn(manager(), ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${app}_${service}`]);
    expect(id, `${service} runs on ${manager()}`).toMatch(/^[0-9a-f]{12}$/);
    const task = await dockerOn(manager(), ["inspect", "-f", '{{index .Config.Labels "com.docker.swarm.task.id"}}', id]);
    return { container: id, task };
  };
  const password = async (kind: "postgres" | "redis") => dockerOn(manager(), ["exec", (await onDataNode(kind)).container, "cat", `/run/fdock/credentials/${kind}-password`]);
  const outputs: string[] = [];

  afterAll(async () => {
    // The stack, then its volumes, secrets and the data label (left only if a test failed before its cleanup).
    await w().docker(manager(), ["stack", "rm", app]).catch(() => undefined);
    ex.cleanup();
  });

  it("deploys postgres and redis on the first manager and a worker: a job posted through one node is done by the worker and read through another", async () => {
    await w().load(manager(), [process.env.FDOCK_POSTGRES_IMAGE!, process.env.FDOCK_REDIS_IMAGE!]);
    const r = await up();
    outputs.push(out(r));
    expect(r.exitCode, out(r)).toBe(0);
    // The release (migrations) ran once, as a one-off task, and reached the database.
    expect(out(r).match(/Running upgrade\s+-> 0001/g), out(r)).toHaveLength(1);
    expect(await dockerOn(manager(), ["service", "ls", "-q", "--filter", `label=fdock.job=${app}`])).toBe("");
    expect(await dockerOn(manager(), ["node", "ls", "--filter", `node.label=fdock.data.${app}`, "--format", "{{.Hostname}}"])).toBe(w().hosts[0]!.name);
    const gunicorn = await dockerOn(manager(), ["service", "ps", `${app}_gunicorn`, "--filter", "desired-state=running", "--format", "{{.Node}}"]);
    expect(new Set(gunicorn.split("\n")).size, gunicorn).toBe(w().names.length);
    for (let i = 0; i < w().names.length; i++) expect((await httpGet(`http://${ip(i)}:${PORT}/health`)).status).toBe(200);
    const job = await jobDone("one two three");
    expect(job.result).toMatchObject({ word_count: 3 });
    // The worker's own container did it (Celery through Redis), not gunicorn: its host name is its container's ID.
    const workers = await Promise.all(w().names.map((m) => dockerOn(m, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${app}_worker`])));
    expect(workers.filter(Boolean), workers.join(",")).toEqual([job.worker]);
    // Services never published.
    for (const s of ["postgres", "redis", "worker"]) expect(await dockerOn(manager(), ["service", "inspect", "-f", "{{json .Endpoint.Ports}}", `${app}_${s}`])).toMatch(/^(null|\[\])$/);
  }, 1_200_000);

  it("keeps the passwords out of fdock's output, the stack files and every service's spec", async () => {
    const secrets = [await password("postgres"), await password("redis")];
    for (const s of secrets) expect(s).toMatch(/^[0-9a-f]{48}$/);
    const texts = [
      ...outputs,
      readFileSync(join(ex.dir, ".fdock/swarm.yaml"), "utf8"),
      readFileSync(join(ex.dir, ".fdock/swarm-services.yaml"), "utf8"),
      await dockerOn(manager(), ["service", "inspect", ...["gunicorn", "nginx", "worker", "postgres", "redis"].map((s) => `${app}_${s}`)]),
      await dockerOn(manager(), ["secret", "inspect", `${app}_postgres.env`]),
    ];
    for (const t of texts) for (const s of secrets) expect(t.includes(s)).toBe(false);
    // The app's containers get them from the secrets, through the image's entrypoint.
    const web = await dockerOn(manager(), ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${app}_gunicorn`]);
    expect(await dockerOn(manager(), ["exec", web, "sh", "/etc/fdock/with-app-env", "printenv", "DATABASE_URL"])).toBe(`postgresql://app:${secrets[0]}@postgres:5432/app`);
  });

  it("a code-only redeploy keeps the database's task and container, its rows, and the password; the worker gets the new code", async () => {
    const job = await jobDone("before the redeploy");
    const [pg, redis, secret] = await Promise.all([onDataNode("postgres"), onDataNode("redis"), password("postgres")]);
    const workerImage = await dockerOn(manager(), ["service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", `${app}_worker`]);
    const views = join(ex.dir, "tasks_app/views.py");
    writeFileSync(views, readFileSync(views, "utf8").replace("<h1>flask-tasks</h1>", "<h1>flask-tasks v2</h1>"));
    const r = await up();
    outputs.push(out(r));
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("Update processes: worker");
    for (let i = 0; i < w().names.length; i++) expect((await httpGet(`http://${ip(i)}:${PORT}/`)).body).toContain("flask-tasks v2");
    expect(await onDataNode("postgres")).toEqual(pg);
    expect(await onDataNode("redis")).toEqual(redis);
    expect(await password("postgres")).toBe(secret);
    expect(await dockerOn(manager(), ["service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", `${app}_worker`])).not.toBe(workerImage);
    expect((await api(1, "GET", `/jobs/${job.id}`)).body).toMatchObject({ status: "done", text: "before the redeploy" });
    expect(await jobDone("after the redeploy", 1)).toMatchObject({ status: "done" });
  }, 900_000);

  it("fdock run --remote CLUSTER reaches the database with the app's credentials and returns the command's exit code", async () => {
    const query = "import os, sys, sqlalchemy as sa; e = sa.create_engine(os.environ['DATABASE_URL'].replace('postgresql://', 'postgresql+pg8000://', 1)); n = e.connect().execute(sa.text('select count(*) from jobs')).scalar(); print('jobs', n); sys.exit(3)";
    const r = await w().ws.fdock(["-C", ex.dir, "run", "--remote", w().cluster, "--", "python", "-c", query]);
    expect(r.exitCode, out(r)).toBe(3);
    expect(Number(/jobs (\d+)/.exec(r.stdout)?.[1]), out(r)).toBeGreaterThanOrEqual(3);
    expect(out(r)).not.toContain(await password("postgres"));
    expect(await dockerOn(manager(), ["service", "ls", "-q", "--filter", `label=fdock.job=${app}`])).toBe("");
  });

  it("a release command that fails stops the deploy: exit 1, its output shown, the running version keeps serving", async () => {
    const file = join(ex.dir, "fdock.yaml");
    const config = readFileSync(file, "utf8");
    const image = () => dockerOn(manager(), ["service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", `${app}_gunicorn`]);
    const before = await image();
    writeFileSync(file, config.replace(/^release: .*$/m, `release: python -c "print('release says no'); raise SystemExit(5)"`));
    try {
      const r = await up();
      expect(r.exitCode, out(r)).toBe(1);
      expect(r.stderr).toContain("The release command failed");
      expect(r.stderr).toContain("the running version (if any) still serves");
      expect(out(r)).toContain("release says no");
      expect(await image()).toBe(before);
      for (let i = 0; i < w().names.length; i++) expect((await httpGet(`http://${ip(i)}:${PORT}/`)).body).toContain("flask-tasks v2");
      expect(await dockerOn(manager(), ["service", "ls", "-q", "--filter", `label=fdock.job=${app}`])).toBe("");
    } finally {
      writeFileSync(file, config);
    }
  }, 600_000);

  it("refuses to deploy when no node holds the data label any more (a node gone, a label removed), naming the machine, before anything changes", async () => {
    const pg = await onDataNode("postgres");
    const host = w().hosts[0]!.name;
    await dockerOn(manager(), ["node", "update", "--label-rm", `fdock.data.${app}`, host]);
    try {
      const r = await up();
      expect(r.exitCode, out(r)).toBe(1);
      expect(r.stderr).toContain(`${app}'s postgres and redis data is on machine ${manager()}, which no longer has the label fdock.data.${app}`);
      expect(r.stderr).toContain(`node update --label-add fdock.data.${app}=true ${host}`);
      expect(await onDataNode("postgres")).toEqual(pg);
    } finally {
      await dockerOn(manager(), ["node", "update", "--label-add", `fdock.data.${app}=true`, host]);
    }
  }, 300_000);

  it("removes its stack, then its volumes, secrets and label", async () => {
    await dockerOn(manager(), ["stack", "rm", app]);
    for (let i = 0; i < w().names.length; i++) {
      const deadline = Date.now() + 120_000;
      while (await dockerOn(w().names[i]!, ["ps", "-aq", "--filter", `label=com.docker.stack.namespace=${app}`])) {
        if (Date.now() > deadline) throw new Error(`${app}'s containers still on ${w().names[i]}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    // stack rm leaves the data and credentials (as fdock down does without -v).
    await dockerOn(manager(), ["volume", "rm", `${app}_postgres-data`, `${app}_redis-data`]);
    const secrets = (await dockerOn(manager(), ["secret", "ls", "-q", "--filter", `label=fdock.app=${app}`])).split("\n");
    expect(secrets).toHaveLength(5);
    await dockerOn(manager(), ["secret", "rm", ...secrets]);
    await dockerOn(manager(), ["node", "update", "--label-rm", `fdock.data.${app}`, w().hosts[0]!.name]);
  });
}
