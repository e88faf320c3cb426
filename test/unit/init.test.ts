import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { init } from "../../src/core/project/init.js";
import { main } from "../../src/cli/main.js";
import { failure } from "../helpers/failure.js";
import { copyExample, projectWith } from "../helpers/project.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A copy of a folder under test/fixtures/init, to run init in. */
function fixture(name: string): string {
  const root = mkdtempSync(join(tmpdir(), "fdock-init-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, name);
  cpSync(resolve(import.meta.dirname, "../fixtures/init", name), dir, { recursive: true });
  return dir;
}


describe("fdock init", () => {
  it("writes a loadable fdock.yaml for the example app without asking", async () => {
    const ex = copyExample();
    cleanups.push(ex.cleanup);
    rmSync(join(ex.dir, "fdock.yaml"));
    const result = await init({ dir: ex.dir });
    const config = parseConfigText(readFileSync(result.file, "utf8"));
    expect(config).toMatchObject({
      app: "flask_blog:create_app()",
      static: { folder: "flask_blog/static", url: "/static" },
      persistent: ["instance"],
      release: "python -m flask_blog.release",
      name: "flask-blog",
    });
  });

  it("refuses to overwrite fdock.yaml without --force", async () => {
    const ex = copyExample();
    cleanups.push(ex.cleanup);
    const e = await failure(init({ dir: ex.dir }));
    expect(e.message).toContain("already exists");
    expect(e.hint).toContain("--force");
    await init({ dir: ex.dir, force: true });
  });

  it("says what it searched and suggests --app when no app is found", async () => {
    const p = projectWith({ "tool.py": "print('hi')\n" });
    cleanups.push(p.cleanup);
    const e = await failure(init({ dir: p.dir }));
    expect(e.message).toContain("No WSGI app found");
    expect(e.message).toContain("tool.py");
    expect(e.hint).toContain("--app");
    expect(existsSync(join(p.dir, "fdock.yaml"))).toBe(false);
  });

  it("asks only when it cannot decide, and never without a chooser", async () => {
    const files = { "a.py": "from flask import Flask\napp = Flask('a')\n", "b.py": "from flask import Flask\napp = Flask('b')\n" };
    const asked = projectWith(files);
    const unattended = projectWith(files);
    cleanups.push(asked.cleanup, unattended.cleanup);
    const questions: string[][] = [];
    const r1 = await init({ dir: asked.dir, choose: async (_q, choices) => (questions.push(choices.map((c) => c.target)), "b:app") });
    expect(questions).toEqual([["a:app", "b:app"]]);
    expect(r1.config.app).toBe("b:app");
    const r2 = await init({ dir: unattended.dir });
    expect(r2.config.app).toBe("a:app");
    expect(r2.notes.join(" ")).toContain("--app");
  });

  it("checks an explicit --app against the project's modules", async () => {
    const p = projectWith({ "main.py": "app = object()\n" });
    cleanups.push(p.cleanup);
    expect((await failure(init({ dir: p.dir, app: "server:app" }))).message).toContain("no module server");
    expect((await failure(init({ dir: p.dir, app: "main app" }))).message).toContain("not MODULE:NAME");
    expect((await init({ dir: p.dir, app: "main:app" })).config.app).toBe("main:app");
  });
});

describe("fdock init: services, processes and the Procfile", () => {
  it("init on a project with a Procfile and celery proposes the worker and release command", async () => {
    // Shaped like the seed's Flask-Blog: Flask-SQLAlchemy + psycopg2 + redis + Celery, a Procfile with web, worker and release.
    const dir = fixture("celery-blog");
    const result = await init({ dir });
    const config = parseConfigText(readFileSync(result.file, "utf8")); // validates with the model
    expect(config).toMatchObject({
      app: "flask_blog:create_app()",
      services: { postgres: { version: "16" }, redis: { version: "7" } },
      processes: { worker: "celery -A flask_blog.tasks worker --loglevel=info" },
      release: "flask --app 'flask_blog:create_app()' db upgrade",
      persistent: [],
    });
    expect(result.notes).toEqual(
      expect.arrayContaining([
        "app: flask_blog:create_app() (in flask_blog/__init__.py; the Procfile's web line (line 2) serves the same)",
        "postgres: Flask-SQLAlchemy and psycopg2-binary in requirements.txt",
        "redis: redis in requirements.txt and a redis:// URL in flask_blog/tasks.py",
        "worker: the Procfile's line 3, a Celery worker: fdock adds none of its own",
        "release: the Procfile's line 4",
      ]),
    );
  });

  it("proposes the same from the requirements and code alone, without a Procfile", async () => {
    const dir = fixture("celery-blog");
    rmSync(join(dir, "Procfile"));
    const { config, notes } = await init({ dir });
    expect(config).toMatchObject({
      services: { postgres: { version: "16" }, redis: { version: "7" } },
      processes: { worker: "celery -A flask_blog.tasks worker --loglevel=info" },
      release: "flask --app 'flask_blog:create_app()' db upgrade",
    });
    expect(notes).toContain("worker: celery -A flask_blog.tasks worker --loglevel=info (Celery in requirements.txt; its app is made in flask_blog/tasks.py)");
    expect(notes).toContain("release: flask --app 'flask_blog:create_app()' db upgrade (Flask-Migrate in requirements.txt)");
  });

  it("reports a malformed Procfile line by number, ignores it and still writes a file", async () => {
    const dir = fixture("celery-blog");
    writeFileSync(join(dir, "Procfile"), "web: gunicorn 'flask_blog:create_app()'\nthis is not a process\nbeat:\nclock_tick: python -m flask_blog.clock\n");
    const { file, config, notes } = await init({ dir });
    expect(notes.slice(0, 2)).toEqual([
      "Procfile line 2 ignored: it is not `name: command` (a name of letters, digits, _ and -, then a colon)",
      "Procfile line 3 ignored: `beat` has no command",
    ]);
    expect(notes).toContain("clock-tick: the Procfile's line 4, renamed: `clock_tick` is not a process name fdock takes (lower-case letters, digits and -, starting with a letter)");
    expect(parseConfigText(readFileSync(file, "utf8")).processes).toEqual({ "clock-tick": "python -m flask_blog.clock", worker: "celery -A flask_blog.tasks worker --loglevel=info" });
    expect(config.release).toBe("flask --app 'flask_blog:create_app()' db upgrade");
  });

  it("serves the Procfile's web app over another one it detects, and says which wins and why", async () => {
    const dir = fixture("celery-blog");
    writeFileSync(join(dir, "wsgi.py"), "from flask_blog import create_app\n\napplication = create_app()\n");
    writeFileSync(join(dir, "Procfile"), "web: gunicorn -w 4 'flask_blog:create_app()'\n");
    const { config, notes } = await init({ dir });
    expect(config.app).toBe("flask_blog:create_app()");
    expect(notes[0]).toBe(
      "app: flask_blog:create_app(), from the Procfile's web line (line 1), not wsgi:application in wsgi.py found in the code: the Procfile wins because you wrote it. Run `fdock init --force --app wsgi:application` to serve that one instead",
    );
    const explicit = await init({ dir, force: true, app: "wsgi:application" });
    expect(explicit.config.app).toBe("wsgi:application");
    expect(explicit.notes[0]).toContain("--app wins because you named it");
  });

  it("keeps an SQLite app with Flask-SQLAlchemy one container, and says why", async () => {
    const p = projectWith({
      "requirements.txt": "Flask\nFlask-SQLAlchemy\n",
      "app.py": "from flask import Flask\napp = Flask(__name__)\napp.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///blog.db'\n",
    });
    cleanups.push(p.cleanup);
    const { file, notes } = await init({ dir: p.dir });
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("services:");
    expect(text).not.toContain("processes:");
    expect(notes.join("\n")).toContain("postgres: not proposed: Flask-SQLAlchemy in requirements.txt but no Postgres driver");
  });

  it("proposes an RQ worker and redis for an RQ app", async () => {
    const p = projectWith({ "requirements.txt": "Flask\nrq\n", "main.py": "import os\nfrom flask import Flask\napp = Flask(__name__)\nURL = os.environ['REDIS_URL']\n" });
    cleanups.push(p.cleanup);
    const { config } = await init({ dir: p.dir });
    expect(config).toMatchObject({ services: { redis: { version: "7" } }, processes: { worker: "rq worker --url $REDIS_URL" } });
  });

  it("prints what it proposed and why, one line each", async () => {
    const dir = fixture("celery-blog");
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    const code = await main(["-C", dir, "init", "--yes"]).finally(() => spy.mockRestore());
    expect(code).toBe(0);
    const printed = chunks.join("");
    expect(printed).toContain("  - postgres: Flask-SQLAlchemy and psycopg2-binary in requirements.txt\n");
    expect(printed).toContain("  - worker: the Procfile's line 3, a Celery worker: fdock adds none of its own\n");
  });
});
