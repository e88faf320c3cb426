import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/core/project/config-file.js";
import { detectApps, pickApp } from "../../src/core/project/detect.js";
import { detectHealthRoute } from "../../src/core/project/health-route.js";
import { TASKS_EXAMPLE_DIR } from "../helpers/project.js";

/** The Procfile's lines as { kind: command }. */
function procfile(dir: string): Record<string, string> {
  const lines = readFileSync(join(dir, "Procfile"), "utf8").split("\n");
  return Object.fromEntries(lines.filter((l) => /^\w+:/.test(l)).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
}

// The app itself is run end to end by the engine tests (and by its own check.py inside the image).
describe("examples/flask-tasks", () => {
  it("fdock.yaml asks for Postgres 16, Redis 7, a Celery worker, migrations as the release and /health", () => {
    const { config, requirements } = loadProject(TASKS_EXAMPLE_DIR, {});
    expect(config.app).toBe("tasks_app:create_app()");
    expect(config.services).toEqual({ postgres: { version: "16" }, redis: { version: "7" } });
    expect(config.processes.worker).toMatch(/^celery -A tasks_app\.worker worker /);
    expect(config.release).toBe("flask --app tasks_app db upgrade");
    expect(config.health).toEqual({ path: "/health", explicit: true });
    expect(requirements.names).toEqual(expect.arrayContaining(["flask-sqlalchemy", "flask-migrate", "pg8000", "celery", "redis", "gunicorn"]));
  });

  it("its Procfile says the same as fdock.yaml (web target, worker, release)", () => {
    const { config } = loadProject(TASKS_EXAMPLE_DIR, {});
    const lines = procfile(TASKS_EXAMPLE_DIR);
    expect(lines.web).toBe(`gunicorn '${config.app}'`);
    expect(lines.worker).toBe(config.processes.worker);
    expect(lines.release).toBe(config.release);
  });

  it("fdock's detectors find its app factory and its health route", () => {
    expect(pickApp(detectApps(TASKS_EXAMPLE_DIR))?.target).toBe("tasks_app:create_app()");
    expect(detectHealthRoute(TASKS_EXAMPLE_DIR).route?.path).toBe("/health");
  });

  it("has a committed first migration that creates the jobs table", () => {
    const versions = join(TASKS_EXAMPLE_DIR, "migrations", "versions");
    const first = readdirSync(versions).filter((f) => f.endsWith(".py"));
    expect(first).toEqual(["0001_create_jobs_table.py"]);
    const text = readFileSync(join(versions, first[0]!), "utf8");
    expect(text).toMatch(/down_revision = None/);
    expect(text).toMatch(/op\.create_table\(\s*"jobs"/);
  });
});
