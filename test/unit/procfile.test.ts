import { describe, expect, it } from "vitest";
import { parseProcfile } from "../../src/core/project/procfile.js";
import { procfilePlan, processName } from "../../src/core/project/procfile-processes.js";
import { shellWords, simpleCommands } from "../../src/core/project/shell-words.js";

describe("Procfile parser", () => {
  it("reads name: command lines and skips comments and blank lines", () => {
    const p = parseProcfile("# processes\n\nweb: gunicorn main:app\r\nworker:celery -A tasks worker\n  release:  flask db upgrade  \n");
    expect(p.problems).toEqual([]);
    expect(p.entries).toEqual([
      { name: "web", command: "gunicorn main:app", line: 3 },
      { name: "worker", command: "celery -A tasks worker", line: 4 },
      { name: "release", command: "flask db upgrade", line: 5 },
    ]);
  });

  it("reports a malformed line by its number without repeating it, and keeps the others", () => {
    const p = parseProcfile("web: gunicorn main:app\nDATABASE_URL=postgres://u:secret@db/x\nworker thing: run\nclock: python clock.py\n");
    expect(p.entries.map((e) => e.name)).toEqual(["web", "clock"]);
    expect(p.problems.map((x) => x.line)).toEqual([2, 3]);
    expect(p.problems[0]!.message).toContain("not `name: command`");
    expect(JSON.stringify(p.problems)).not.toContain("secret");
  });

  it("reports an empty command and a second line for the same name", () => {
    const p = parseProcfile("worker:\nweb: gunicorn a:app\nweb: gunicorn b:app\n");
    expect(p.entries).toEqual([{ name: "web", command: "gunicorn a:app", line: 2 }]);
    expect(p.problems).toEqual([
      { line: 1, message: "`worker` has no command" },
      { line: 3, message: "a second `web` line (line 2's is kept)" },
    ]);
  });
});

describe("Procfile lines as fdock.yaml's processes", () => {
  it("separates web and release, keeps every other line as a process with the program it runs", () => {
    const plan = procfilePlan(parseProcfile("web: gunicorn main:app\nrelease: flask db upgrade\nworker: celery -A tasks worker\nclock: python clock.py\n"));
    expect(plan.web?.command).toBe("gunicorn main:app");
    expect(plan.release?.line).toBe(2);
    expect(plan.processes).toEqual([
      { name: "worker", command: "celery -A tasks worker", line: 3, program: "celery", renamed: null },
      { name: "clock", command: "python clock.py", line: 4, program: "python", renamed: null },
    ]);
  });

  it("turns a redis-server or postgres line into a service hint, not a process", () => {
    const plan = procfilePlan(parseProcfile("redis: redis-server --port 6379\ndb: postgres -D data\n"));
    expect(plan.processes).toEqual([]);
    expect(plan.hints.map((h) => [h.kind, h.file])).toEqual([["redis", "Procfile"], ["postgres", "Procfile"]]);
    expect(plan.hints[0]!.what).toContain("line 1");
  });

  it("makes names fdock takes, and says why a name changed", () => {
    expect(processName("worker")).toEqual({ name: "worker", why: null });
    expect(processName("Celery_Beat")).toMatchObject({ name: "celery-beat", why: expect.stringContaining("`Celery_Beat` is not a process name") });
    expect(processName("2nd")).toMatchObject({ name: "nd" });
    expect(processName("123").name).toBe("process");
    expect(processName("x".repeat(50)).name).toHaveLength(40);
  });

  it("gives a reserved name a suffix, and two lines that clean up alike different names", () => {
    expect(processName("nginx")).toEqual({ name: "nginx-process", why: "`nginx` is the name of a container fdock runs itself" });
    expect(processName("Redis").name).toBe("redis-process");
    const plan = procfilePlan(parseProcfile("job_a: a\njob-a: b\nfront: c\n"));
    expect(plan.processes.map((p) => p.name)).toEqual(["job-a", "job-a-2", "front-process"]);
    expect(plan.processes[1]!.renamed).toContain("taken by another line");
  });
});

describe("reading a command as a shell would", () => {
  it("removes quotes and escapes and splits on operators", () => {
    expect(shellWords(`gunicorn -w 4 'pkg:create_app()' --name "a \\"b\\"" x\\ y # comment`)).toEqual(["gunicorn", "-w", "4", "pkg:create_app()", "--name", 'a "b"', "x y"]);
    expect(shellWords("cd src&&gunicorn a:app")).toEqual(["cd", "src", "&&", "gunicorn", "a:app"]);
  });

  it("finds the program behind assignments and wrappers", () => {
    const [cd, server] = simpleCommands("cd src && FLASK_ENV=prod exec newrelic-admin run-program python -m gunicorn app:app");
    expect(cd).toMatchObject({ program: "cd", args: ["src"] });
    expect(server).toEqual({ program: "gunicorn", args: ["app:app"], env: { FLASK_ENV: "prod" } });
    expect(simpleCommands("bin/celery -A x worker")[0]!.program).toBe("celery");
  });
});
