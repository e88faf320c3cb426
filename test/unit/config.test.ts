import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { applyImageOverrides, parseConfigText } from "../../src/core/project/config-file.js";
import { parsePyprojectDependencies, parseRequirementsTxt } from "../../src/core/project/requirements.js";
import { parseMemorySize, planWorkers, RESERVED_MEMORY_MIB, WORKER_MEMORY_MIB } from "../../src/core/project/workers.js";

function errorOf(text: string): ConfigError {
  try {
    parseConfigText(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("fdock.yaml", () => {
  it("fills every default from a minimal file", () => {
    const c = parseConfigText("name: blog\napp: main:app\n");
    expect(c.images).toEqual({ python: "python:3.12-slim", nginx: "nginx:stable" });
    expect(c.workers).toEqual({ class: "auto", count: "auto", threads: 4, connections: 1000, timeout: 30 });
    expect(c.port).toBe(8080);
    expect(c.health).toEqual({ path: "/", explicit: false });
    expect(c.static).toBeNull();
  });

  it("names the wrong key and what is allowed", () => {
    const e = errorOf("name: blog\napp: main:app\nworkers:\n  class: eventlet\n");
    expect(e.message).toContain("workers.class");
    expect(e.message).toContain('"sync"');
    expect(e.message).toContain('"gevent"');
    expect(e.hint).toMatch(/fdock\.yaml/);
  });

  it("rejects unknown keys, bad app targets, bad ports and paths outside the project", () => {
    const e = errorOf("name: blog\napp: 'main app'\nport: 70000\npersistent: ['../etc']\nbogus: 1\n");
    expect(e.message).toContain("app: must be MODULE:NAME");
    expect(e.message).toContain("port: must be at most 65535");
    expect(e.message).toContain("persistent[0]: must be a path inside the project");
    expect(e.message).toContain('unknown key "bogus"');
  });

  it("says where YAML syntax breaks", () => {
    expect(errorOf("name: blog\napp: [unclosed\n").message).toMatch(/not valid YAML \(line \d+/);
  });

  it("lets FDOCK_PYTHON_IMAGE and FDOCK_NGINX_IMAGE win over the file", () => {
    const c = parseConfigText("name: blog\napp: main:app\nimages:\n  python: python:3.11-slim\n");
    const o = applyImageOverrides(c, { FDOCK_PYTHON_IMAGE: "local/python", FDOCK_NGINX_IMAGE: "local/nginx" });
    expect(o.images).toEqual({ python: "local/python", nginx: "local/nginx" });
    expect(applyImageOverrides(c, {}).images.python).toBe("python:3.11-slim");
  });
});

describe("requirements", () => {
  it("reads names from requirements.txt, skipping options and comments", () => {
    expect(parseRequirementsTxt("# deps\nFlask>=2.2\n-r base.txt\ngunicorn[gevent]==21 # server\nFlask_Migrate\n\n")).toEqual([
      "flask",
      "gunicorn",
      "flask-migrate",
    ]);
  });

  it("reads [project].dependencies from pyproject.toml", () => {
    const text = '[build-system]\nrequires = ["setuptools"]\n\n[project]\nname = "x"\ndependencies = [\n  "Flask>=2.2",\n  \'gevent\',\n]\n\n[tool.x]\ndependencies = ["no"]\n';
    expect(parsePyprojectDependencies(text)).toEqual(["Flask>=2.2", "gevent"]);
  });
});

describe("worker plan", () => {
  const base = parseConfigText("name: blog\napp: main:app\n");
  it("sizes from the engine's CPUs: 2 x CPUs + 1", () => {
    expect(planWorkers(base, [], 4).workers).toBe(9);
    expect(planWorkers(base, [], 1).workers).toBe(3);
  });
  it("picks gevent when the project depends on it, gthread otherwise", () => {
    expect(planWorkers(base, ["flask", "gevent"], 2).workerClass).toBe("gevent");
    expect(planWorkers(base, ["flask"], 2).workerClass).toBe("gthread");
  });
  it("keeps what fdock.yaml says", () => {
    const c = parseConfigText("name: blog\napp: main:app\nworkers:\n  class: sync\n  count: 2\n");
    expect(planWorkers(c, ["gevent"], 16)).toMatchObject({ workerClass: "sync", workers: 2 });
  });
  it("never sizes more workers than the engine's memory holds (a 1 GiB host is not sized into swapping)", () => {
    const GiB = 1024 ** 3;
    // 2 CPUs would mean 5 workers; 1 GiB holds 3 at 256 MiB each after 256 MiB for the system.
    const small = planWorkers(base, ["gevent"], 2, GiB);
    expect(small.workers).toBe(3);
    expect(small.reason).toContain("3 workers, not 5 (2 x 2 CPUs + 1): 1.0 GiB of memory holds 3 at 256 MiB each");
    expect(small.workers * WORKER_MEMORY_MIB + RESERVED_MEMORY_MIB).toBeLessThanOrEqual(1024);
    expect(planWorkers(base, [], 4, 512 * 1024 ** 2).workers).toBe(1);
    expect(planWorkers(base, [], 1, 128 * 1024 ** 2).workers).toBe(1); // at least one, however small
    // Enough memory: 2 x CPUs + 1, and the reason says so.
    expect(planWorkers(base, [], 2, 16 * GiB)).toMatchObject({ workers: 5, reason: expect.stringContaining("5 workers = 2 x 2 CPUs + 1") });
    expect(planWorkers(base, [], 8, 4 * GiB).workers).toBe(15);
    // Memory unknown (0): CPUs alone. fdock.yaml's count wins over both.
    expect(planWorkers(base, [], 2, 0).workers).toBe(5);
    const fixed = parseConfigText("name: blog\napp: main:app\nworkers:\n  count: 7\n");
    expect(planWorkers(fixed, [], 2, GiB)).toMatchObject({ workers: 7, reason: expect.stringContaining("workers.count is 7") });
  });
  it("reads memory sizes as Docker's --memory does (binary units)", () => {
    expect(parseMemorySize("1g")).toBe(1024 ** 3);
    expect(parseMemorySize("512m")).toBe(512 * 1024 ** 2);
    expect(parseMemorySize("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(parseMemorySize("2GiB")).toBe(2 * 1024 ** 3);
    for (const bad of ["", "1", "g", "-1g", "0m", "1 gigabyte", "1e3m"]) expect(parseMemorySize(bad)).toBeUndefined();
  });
});
