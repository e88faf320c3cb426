import { describe, expect, it } from "vitest";
import { proposeBacking } from "../../src/core/project/backing-proposal.js";
import { proposeServices, type ServiceFacts } from "../../src/core/project/detect-services.js";
import { proposeWorker, type WorkerFacts } from "../../src/core/project/detect-worker.js";
import { parseProcfile } from "../../src/core/project/procfile.js";
import { procfilePlan } from "../../src/core/project/procfile-processes.js";
import { readRequirementExtras, readRequirements } from "../../src/core/project/requirements.js";
import { pythonModule, scanSources } from "../../src/core/project/source-hints.js";
import { tempFolders } from "../helpers/project.js";

const folder = tempFolders();

const facts = (names: string[], more: Partial<ServiceFacts> = {}): ServiceFacts => ({
  names,
  source: "requirements.txt",
  extras: {},
  hints: [],
  readsEnv: new Set(["DATABASE_URL", "REDIS_URL"]),
  ...more,
});

describe("postgres rule", () => {
  it("proposes postgres for a driver, naming it and the ORM", () => {
    const p = proposeServices(facts(["flask", "flask-sqlalchemy", "pg8000"]));
    expect(p.services).toEqual({ postgres: { version: "16" } });
    expect(p.notes).toEqual(["postgres: Flask-SQLAlchemy and pg8000 in requirements.txt"]);
    for (const driver of ["psycopg", "psycopg2", "psycopg2-binary", "asyncpg"]) expect(proposeServices(facts([driver])).services.postgres).toBeDefined();
  });

  it("proposes postgres for SQLAlchemy with a postgres URL in the code", () => {
    const p = proposeServices(facts(["sqlalchemy"], { hints: [{ kind: "postgres", file: "config.py", what: "a postgresql:// URL" }] }));
    expect(p.services.postgres).toEqual({ version: "16" });
    expect(p.notes[0]).toBe("postgres: SQLAlchemy in requirements.txt and a postgresql:// URL in config.py");
  });

  it("leaves an SQLite app with Flask-SQLAlchemy alone, and says why", () => {
    const p = proposeServices(facts(["flask", "flask-sqlalchemy"]));
    expect(p.services).toEqual({});
    expect(p.notes).toHaveLength(1);
    expect(p.notes[0]).toMatch(/^postgres: not proposed: Flask-SQLAlchemy in requirements.txt but no Postgres driver .* SQLite app and stays one container/);
  });

  it("says a postgres URL without a driver is not enough", () => {
    const p = proposeServices(facts([], { hints: [{ kind: "postgres", file: ".env", what: "a postgres:// URL" }] }));
    expect(p.services).toEqual({});
    expect(p.notes[0]).toContain("no Postgres driver in requirements.txt");
  });
});

describe("redis rule", () => {
  it("proposes redis for the client, celery[redis], RQ or a redis:// URL", () => {
    expect(proposeServices(facts(["redis"])).notes).toEqual(["redis: redis in requirements.txt"]);
    expect(proposeServices(facts(["celery"], { extras: { celery: ["redis"] } })).notes).toEqual(["redis: celery[redis] in requirements.txt"]);
    expect(proposeServices(facts(["rq"])).services).toEqual({ redis: { version: "7" } });
    const url = proposeServices(facts(["celery"], { hints: [{ kind: "redis", file: "tasks.py", what: "a redis:// URL" }] }));
    expect(url.notes).toEqual(["redis: a redis:// URL in tasks.py"]);
  });

  it("does not propose redis for Celery on another broker, and says why", () => {
    const amqp = proposeServices(facts(["celery"], { hints: [{ kind: "amqp", file: "celeryconfig.py", what: "an amqp:// URL" }] }));
    expect(amqp.services).toEqual({});
    expect(amqp.notes[0]).toContain("RabbitMQ (an amqp:// URL in celeryconfig.py)");
    expect(proposeServices(facts(["celery"])).notes[0]).toContain("no redis:// URL");
  });

  it("says when the code never reads the URL fdock gives it", () => {
    const p = proposeServices(facts(["psycopg", "redis"], { readsEnv: new Set(["REDIS_URL"]) }));
    expect(p.notes).toContain('postgres: fdock gives the app DATABASE_URL, which no Python file here reads yet: configure the database from os.environ["DATABASE_URL"]');
    expect(p.notes.join("\n")).not.toContain("gives the app REDIS_URL");
  });
});

const worker = (names: string[], more: Partial<WorkerFacts> = {}): WorkerFacts => ({
  names,
  source: "requirements.txt",
  app: "flask_blog:create_app()",
  celery: [],
  taken: [],
  ...more,
});

describe("worker rule", () => {
  it("proposes a Celery worker on the module that makes the Celery app, else the app's package", () => {
    const found = proposeWorker(worker(["celery"], { celery: [{ module: "flask_blog.tasks", file: "flask_blog/tasks.py", rank: 0 }] }));
    expect(found.processes).toEqual({ worker: "celery -A flask_blog.tasks worker --loglevel=info" });
    expect(found.notes[0]).toBe("worker: celery -A flask_blog.tasks worker --loglevel=info (Celery in requirements.txt; its app is made in flask_blog/tasks.py)");
    expect(proposeWorker(worker(["celery"])).processes).toEqual({ worker: "celery -A flask_blog worker --loglevel=info" });
  });

  it("proposes an RQ worker on REDIS_URL", () => {
    expect(proposeWorker(worker(["rq"])).processes).toEqual({ worker: "rq worker --url $REDIS_URL" });
    expect(proposeWorker(worker(["celery", "rq"])).processes).toEqual({ worker: "celery -A flask_blog worker --loglevel=info", "rq-worker": "rq worker --url $REDIS_URL" });
  });

  it("yields to a Procfile line that runs celery or rq, whatever its name", () => {
    const p = proposeWorker(worker(["celery"], { taken: [{ name: "jobs", program: "celery", line: 3 }] }));
    expect(p.processes).toEqual({});
    expect(p.yielded).toEqual({ jobs: "Celery" });
  });

  it("keeps a Procfile worker that runs something else and adds none, saying what to add", () => {
    const p = proposeWorker(worker(["celery"], { taken: [{ name: "worker", program: "python", line: 2 }] }));
    expect(p.processes).toEqual({});
    expect(p.notes[0]).toContain("the Procfile's worker line (line 2) is kept");
    expect(p.notes[0]).toContain("celery-worker: celery -A flask_blog worker --loglevel=info");
  });
});

describe("what the code and config files say", () => {
  it("finds URLs by scheme (never their values), Heroku add-ons, the Celery app and the variables the code reads", () => {
    const dir = folder({
      "app.py": "import os\nDB = os.environ['DATABASE_URL']\n",
      "pkg/__init__.py": "def make_celery(app):\n    celery = Celery(app.import_name)\n",
      "pkg/worker.py": "from celery import Celery\ncelery = Celery('w', broker='redis://localhost:6379/0')\n",
      ".env": "DATABASE_URL=postgresql+psycopg2://u:secret@db/x\n",
      "app.json": '{"addons": ["heroku-redis"]}',
      "tests/conftest.py": "URL = 'amqp://guest@localhost//'\n",
      "celeryconfig.py": "broker_url = 'amqp://guest@rabbit//'\n",
      "fdock.yaml": "release: redis://nothing\n",
    });
    const s = scanSources(dir);
    expect(s.hints).toEqual([
      { kind: "postgres", file: ".env", what: "a postgresql+psycopg2:// URL" },
      { kind: "redis", file: "app.json", what: "the heroku-redis add-on" },
      { kind: "amqp", file: "celeryconfig.py", what: "an amqp:// URL" },
      { kind: "redis", file: "pkg/worker.py", what: "a redis:// URL" },
    ]);
    expect(JSON.stringify(s.hints)).not.toContain("secret");
    expect(s.celery.map((c) => [c.module, c.rank])).toEqual([["pkg.worker", 0], ["pkg", 2]]);
    expect([...s.readsEnv]).toEqual(["DATABASE_URL"]);
  });

  it("names modules as Python imports them", () => {
    expect(pythonModule("src/pkg/__init__.py")).toBe("pkg");
    expect(pythonModule("pkg/tasks.py")).toBe("pkg.tasks");
    expect(pythonModule("my-scripts/run.py")).toBeNull();
  });

  it("reads the extras a requirement asks for", () => {
    const dir = folder({ "requirements.txt": "celery[redis,sqs]>=5  # queue\nFlask\n" });
    expect(readRequirementExtras(dir)).toEqual({ celery: ["redis", "sqs"], flask: [] });
  });
});

describe("release rule", () => {
  const propose = (files: Record<string, string>, procfile?: string) => {
    const dir = folder(files);
    return proposeBacking(dir, "blog:create_app()", readRequirements(dir), procfile ? procfilePlan(parseProcfile(procfile)) : null);
  };

  it("runs Flask-Migrate's upgrade, and warns when there is no migrations folder yet", () => {
    const p = propose({ "requirements.txt": "Flask-Migrate\n", "blog/__init__.py": "" });
    expect(p.release).toBe("flask --app 'blog:create_app()' db upgrade");
    expect(p.notes.at(-1)).toContain("release: flask --app 'blog:create_app()' db upgrade (Flask-Migrate in requirements.txt); there is no migrations/ folder yet");
    const ready = propose({ "requirements.txt": "Flask-Migrate\n", "migrations/env.py": "" });
    expect(ready.notes.at(-1)).not.toContain("no migrations/ folder");
  });

  it("takes the Procfile's release line over Flask-Migrate's", () => {
    const p = propose({ "requirements.txt": "Flask-Migrate\n" }, "release: ./bin/migrate\n");
    expect(p).toMatchObject({ release: "./bin/migrate", notes: ["release: the Procfile's line 1"] });
  });
});
