import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { GenericContainer, Network, Wait, type StartedTestContainer } from "testcontainers";
import { runArgv } from "../../src/core/exec.js";
import { docker, eventually } from "../helpers/engine.js";

/**
 * The rig's stand-ins for postgres:16 and redis:7 (scripts/standins/, built by scripts/rig from
 * Debian's packages) honour the official images' contracts, which fdock's services rely on; and
 * the rig's package index gives a Postgres driver that logs in with SCRAM (pg8000 >= 1.13).
 * Skipped where the rig named no image (FDOCK_POSTGRES_IMAGE / FDOCK_REDIS_IMAGE unset).
 */
const PG = process.env.FDOCK_POSTGRES_IMAGE;
const REDIS = process.env.FDOCK_REDIS_IMAGE;
const PYTHON = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";

const secret = () => randomBytes(12).toString("hex");
const volumes: string[] = [];
afterAll(async () => {
  for (const v of volumes) await docker("volume", "rm", "-f", v).catch(() => undefined);
});
function namedVolume(what: string): string {
  const name = `fdock-test-${process.pid}-${what}-${randomBytes(3).toString("hex")}`;
  volumes.push(name);
  return name;
}

/** Runs a command in a container; its output, or a failed expectation naming the command and what it said. */
async function run(c: StartedTestContainer, cmd: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await c.exec(cmd, { env });
  expect(r.exitCode, `${cmd.join(" ")}: ${r.output}`).toBe(0);
  return r.stdout.trim();
}

/** The uid PID 1 (the server, after the entrypoint's exec) runs as. */
async function pid1Uid(c: StartedTestContainer): Promise<string> {
  const status = await run(c, ["cat", "/proc/1/status"]);
  return /^Uid:\s+(\d+)/m.exec(status)![1]!;
}

/** A container's log, its standard output and error both (the server logs to stderr). */
async function logOf(c: StartedTestContainer): Promise<string> {
  const r = await runArgv({ file: "docker", args: ["logs", c.getId()] });
  return r.stdout + r.stderr;
}

/** Waits until the container has exited (a functional bound), then its exit code and log. */
async function exited(c: StartedTestContainer, boundMs: number): Promise<{ code: number; log: string }> {
  await eventually(async () => (await docker("inspect", "-f", "{{.State.Running}}", c.getId())) === "false", boundMs, "the container exits");
  return { code: Number(await docker("inspect", "-f", "{{.State.ExitCode}}", c.getId())), log: await logOf(c) };
}

// The server answers on TCP only once initialisation is over (the setup server listens on its socket only).
const pgReady = () => Wait.forSuccessfulCommand("pg_isready -h 127.0.0.1 -p 5432 -q");

function postgres(image: string) {
  return new GenericContainer(image).withWaitStrategy(pgReady()).withStartupTimeout(120_000);
}

describe.skipIf(!PG)("the postgres:16 stand-in", () => {
  const image = PG!;

  it("initialises from POSTGRES_PASSWORD_FILE, POSTGRES_USER and POSTGRES_DB, runs as 999, and takes a SCRAM login over the network (a wrong password fails)", async () => {
    const password = secret();
    await using net = await new Network().start();
    // A Docker secret: readable by root only, as with `secrets:` in compose.
    await using pg = await postgres(image)
      .withNetwork(net)
      .withNetworkAliases("db")
      .withCopyContentToContainer([{ content: `${password}\n`, target: "/run/secrets/db-password", mode: 0o400 }])
      .withEnvironment({ POSTGRES_PASSWORD_FILE: "/run/secrets/db-password", POSTGRES_USER: "app", POSTGRES_DB: "appdb" })
      .start();
    expect(await pid1Uid(pg)).toBe("999");
    expect(await run(pg, ["sh", "-c", 'stat -c "%u:%g %a" "$PGDATA"'])).toBe("999:999 700");
    // The password is stored as a SCRAM verifier, and connections over the network must give it.
    expect(await run(pg, ["psql", "-U", "app", "-d", "appdb", "-tAc", "select left(rolpassword, 14) from pg_authid where rolname = 'app'"])).toBe("SCRAM-SHA-256$");
    expect(await run(pg, ["sh", "-c", 'grep -v "^#" "$PGDATA/pg_hba.conf" | grep "^host all all all"'])).toBe("host all all all scram-sha-256");

    await using client = await new GenericContainer(image).withNetwork(net).withCommand(["sleep", "infinity"]).start();
    const login = ["psql", "-h", "db", "-U", "app", "-d", "appdb", "-tAc", "select current_user || ' ' || current_database()"];
    expect(await run(client, login, { PGPASSWORD: password })).toBe("app appdb");
    const wrong = await client.exec(login, { env: { PGPASSWORD: `${password}x` } });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.output).toContain('password authentication failed for user "app"');
  });

  it("says PG_MAJOR and PG_VERSION like the official image (PG_MAJOR is the server's major and the data's PG_VERSION) and takes the server's arguments after `postgres`", async () => {
    const env = JSON.parse(await docker("image", "inspect", "-f", "{{json .Config.Env}}", image)) as string[];
    const major = env.find((e) => e.startsWith("PG_MAJOR="))?.split("=")[1];
    expect(env.find((e) => e.startsWith("PG_VERSION="))).toMatch(new RegExp(`^PG_VERSION=${major}\\.`));
    expect(await docker("image", "inspect", "-f", "{{.Config.StopSignal}} {{json .Config.Cmd}} {{json .Config.Volumes}}", image)).toBe(
      'SIGINT ["postgres"] {"/var/lib/postgresql/data":{}}',
    );
    await using pg = await postgres(image).withEnvironment({ POSTGRES_PASSWORD: secret() }).withCommand(["postgres", "-c", "max_connections=50"]).start();
    expect(await run(pg, ["psql", "-U", "postgres", "-tAc", "show max_connections"])).toBe("50");
    expect(await run(pg, ["postgres", "--version"])).toMatch(new RegExp(`^postgres \\(PostgreSQL\\) ${major}\\.`));
    expect(await run(pg, ["sh", "-c", 'cat "$PGDATA/PG_VERSION"'])).toBe(major);
    for (const tool of ["pg_isready", "psql", "pg_dump", "pg_restore", "createdb"]) {
      expect(await run(pg, ["sh", "-c", `command -v ${tool}`]), tool).not.toBe("");
    }
  });

  it("keeps its data on a named volume: a second container on it sees the row and does not initialise again", async () => {
    const volume = namedVolume("pgdata");
    const password = secret();
    const on = (pw: string) =>
      postgres(image).withBindMounts([{ source: volume, target: "/var/lib/postgresql/data" }]).withEnvironment({ POSTGRES_PASSWORD: pw, POSTGRES_DB: "blog" });
    {
      await using first = await on(password).start();
      await run(first, ["psql", "-U", "postgres", "-d", "blog", "-c", "create table posts (title text); insert into posts values ('kept')"]);
      // The server stops cleanly (its stop signal) before the container goes.
      await first.stop({ timeout: 30_000, remove: true });
    }
    // Another password: ignored, the database is already there.
    await using second = await on(secret()).start();
    expect(await run(second, ["psql", "-U", "postgres", "-d", "blog", "-tAc", "select title from posts"])).toBe("kept");
    const log = await logOf(second);
    expect(log).toContain("appears to contain a database; Skipping initialization");
    expect(log).not.toContain("init process complete");

    await using net = await new Network().start();
    await using _third = await on(secret()).withNetwork(net).withNetworkAliases("db").start();
    await using client = await new GenericContainer(image).withNetwork(net).withCommand(["sleep", "infinity"]).start();
    const count = ["psql", "-h", "db", "-U", "postgres", "-d", "blog", "-tAc", "select count(*) from posts"];
    expect(await run(client, count, { PGPASSWORD: password }), "the first password still logs in").toBe("1");
  });

  it.each(["SIGTERM", "SIGINT"])("stops cleanly on %s: exit 0, 'database system is shut down', within 30 s", async (signal) => {
    await using pg = await postgres(image).withEnvironment({ POSTGRES_PASSWORD: secret() }).start();
    await docker("kill", "--signal", signal, pg.getId());
    const { code, log } = await exited(pg, 30_000);
    expect(code, log).toBe(0);
    expect(log).toContain(signal === "SIGTERM" ? "received smart shutdown request" : "received fast shutdown request");
    expect(log).toContain("database system is shut down");
  });
});

describe.skipIf(!REDIS)("the redis:7 stand-in", () => {
  const image = REDIS!;
  const ready = () => Wait.forLogMessage("Ready to accept connections");

  it("runs redis-server as 999 with protected mode off: another container reaches it over the network", async () => {
    expect(await docker("image", "inspect", "-f", '{{json .Config.Cmd}} {{.Config.WorkingDir}} {{json .Config.Volumes}}', image)).toBe(
      '["redis-server"] /data {"/data":{}}',
    );
    await using net = await new Network().start();
    await using redis = await new GenericContainer(image).withNetwork(net).withNetworkAliases("cache").withWaitStrategy(ready()).start();
    expect(await pid1Uid(redis)).toBe("999");
    expect(await run(redis, ["stat", "-c", "%u:%g", "/data"])).toBe("999:999");
    await using client = await new GenericContainer(image).withNetwork(net).withCommand(["sleep", "infinity"]).start();
    expect(await run(client, ["redis-cli", "-h", "cache", "ping"])).toBe("PONG");
  });

  it("takes its password from a config file given as the first argument, and append-only data in /data survives a restart", async () => {
    const password = secret();
    const conf = `requirepass ${password}\nappendonly yes\n`;
    await using redis = await new GenericContainer(image)
      .withCopyContentToContainer([{ content: conf, target: "/usr/local/etc/redis/redis.conf", mode: 0o644 }])
      // A first argument ending in .conf goes to redis-server (the official image's rule).
      .withCommand(["/usr/local/etc/redis/redis.conf"])
      .withWaitStrategy(ready())
      .start();
    expect(await pid1Uid(redis)).toBe("999");
    const denied = await redis.exec(["redis-cli", "get", "k"]);
    expect(denied.output).toContain("NOAUTH");
    // redis-cli reads the password from REDISCLI_AUTH (never a command line).
    const auth = { REDISCLI_AUTH: password };
    expect(await run(redis, ["redis-cli", "set", "k", "kept"], auth)).toBe("OK");
    expect(await run(redis, ["ls", "/data/appendonlydir"])).toContain("appendonly.aof");
    await redis.restart({ timeout: 30_000 });
    expect(await run(redis, ["redis-cli", "get", "k"], auth)).toBe("kept");
  });
});

describe.skipIf(!PG || !REDIS)("pip-installed clients against the stand-ins", () => {
  it("pip installs flask-sqlalchemy, pg8000, celery and redis from the index; pg8000 logs in with SCRAM through SQLAlchemy, redis-py with a password", async () => {
    const dbPassword = secret();
    const redisPassword = secret();
    await using net = await new Network().start();
    await using _pg = await postgres(PG!)
      .withNetwork(net)
      .withNetworkAliases("db")
      .withEnvironment({ POSTGRES_PASSWORD: dbPassword, POSTGRES_USER: "app", POSTGRES_DB: "app" })
      .start();
    await using _redis = await new GenericContainer(REDIS!)
      .withNetwork(net)
      .withNetworkAliases("cache")
      .withCopyContentToContainer([{ content: `requirepass ${redisPassword}\n`, target: "/etc/redis-test.conf", mode: 0o644 }])
      .withCommand(["redis-server", "/etc/redis-test.conf"])
      .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"))
      .start();
    await using app = await new GenericContainer(PYTHON).withNetwork(net).withCommand(["sleep", "infinity"]).start();

    // pip finds the index through the image's environment, as a build would.
    await run(app, ["pip", "install", "--no-cache-dir", "flask-sqlalchemy", "pg8000", "celery", "redis"]);
    const script = [
      "import importlib.metadata as m, os",
      "from flask import Flask",
      "from flask_sqlalchemy import SQLAlchemy",
      "import redis, celery",
      "print('pg8000', m.version('pg8000'), (m.distribution('pg8000').read_text('INSTALLER') or '').strip())",
      "app = Flask(__name__)",
      "app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']",
      "db = SQLAlchemy(app)",
      "class Note(db.Model):",
      "    id = db.Column(db.Integer, primary_key=True)",
      "    body = db.Column(db.String(80))",
      "with app.app_context():",
      "    db.create_all()",
      "    db.session.add(Note(body='hello'))",
      "    db.session.commit()",
      "    print('row', Note.query.one().body)",
      "    print('auth', db.session.execute(db.text(\"select auth_method from pg_hba_file_rules where address = 'all'\")).scalar_one())",
      "r = redis.Redis.from_url(os.environ['REDIS_URL'])",
      "r.set('k', 'v')",
      "print('redis', r.get('k').decode())",
      "with celery.Celery(broker=os.environ['REDIS_URL']).connection_for_write() as conn:",
      "    conn.ensure_connection(max_retries=3)",
      "    print('celery broker', conn.transport_cls)",
    ].join("\n");
    const out = await run(app, ["python", "-c", script], {
      DATABASE_URL: `postgresql+pg8000://app:${dbPassword}@db:5432/app`,
      REDIS_URL: `redis://:${redisPassword}@cache:6379/0`,
    });
    const lines = out.split("\n");
    const [, version, installer] = lines[0]!.split(" ");
    expect(installer).toBe("pip");
    const [major, minor] = version!.split(".").map(Number);
    expect(major! * 100 + minor!, `pg8000 ${version}: SCRAM needs 1.13 or later`).toBeGreaterThanOrEqual(113);
    expect(lines.slice(1)).toEqual(["row hello", "auth scram-sha-256", "redis v", "celery broker redis"]);
  });
});
