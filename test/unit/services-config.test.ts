import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/core/project/validate.js";

const base = { name: "blog", app: "flask_blog:create_app()" };

describe("services and processes in fdock.yaml", () => {
  it("defaults to none of either", () => {
    const c = validateConfig(base);
    expect(c.services).toEqual({});
    expect(c.processes).toEqual({});
  });

  it("takes a service with no settings, a version as a number, and processes", () => {
    const c = validateConfig({ ...base, services: { postgres: null, redis: { version: 7 } }, processes: { worker: "celery -A flask_blog.tasks worker" } });
    expect(c.services).toEqual({ postgres: { version: "16" }, redis: { version: "7" } });
    expect(c.processes).toEqual({ worker: "celery -A flask_blog.tasks worker" });
  });

  it("names an unknown service and the ones it knows", () => {
    expect(() => validateConfig({ ...base, services: { mysql: {} } })).toThrow(/services: unknown service "mysql" \(fdock knows postgres, redis\)/);
  });

  it("refuses a bad version, an empty process and a process named like one of fdock's services", () => {
    expect(() => validateConfig({ ...base, services: { postgres: { version: "sixteen" } } })).toThrow(/services\.postgres\.version: must be a version number like "16"/);
    expect(() => validateConfig({ ...base, processes: { worker: "  " } })).toThrow(/processes\.worker: must be a command \(it is empty\)/);
    expect(() => validateConfig({ ...base, processes: { web: "gunicorn x" } })).toThrow(/processes\.web: must not be one of web, gunicorn/);
  });
});
