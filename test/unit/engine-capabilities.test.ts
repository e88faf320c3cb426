import type Docker from "dockerode";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { atLeast, engineCapabilities, isSupportedEngine, MIN_ENGINE_VERSION, parseEngineVersion } from "../../src/core/engine/capabilities.js";
import { EngineTooOldError, EngineUnreachableError } from "../../src/core/engine/engine-errors.js";
import { PrecheckError } from "../../src/core/errors.js";
import { silentReporter } from "../../src/core/events.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderCompose } from "../../src/core/render/compose.js";
import { PLAIN_HEALTH_INTERVAL } from "../../src/core/render/engine-compat.js";
import type { Target } from "../../src/core/render/target.js";
import { up } from "../../src/core/stack/up.js";
import { copyExample } from "../helpers/project.js";

describe("engine capabilities, by version", () => {
  it("reads the versions engines report, distribution suffixes included", () => {
    expect(parseEngineVersion("20.10.24+dfsg1")).toEqual([20, 10, 24]);
    expect(parseEngineVersion("26.1.5+dfsg1")).toEqual([26, 1, 5]);
    expect(parseEngineVersion("25.0.0-beta.1")).toEqual([25, 0, 0]);
    expect(parseEngineVersion("unknown")).toBeNull();
    expect(atLeast("20.10.0", "20.10")).toBe(true);
    expect(atLeast("20.9.99", "20.10")).toBe(false);
    expect(atLeast("3.0", "20.10")).toBe(false);
  });

  it("uses healthcheck.start_interval from Engine 25 only", () => {
    expect(engineCapabilities("20.10.24+dfsg1").healthStartInterval).toBe(false);
    expect(engineCapabilities("24.0.7").healthStartInterval).toBe(false);
    expect(engineCapabilities("25.0.0").healthStartInterval).toBe(true);
    expect(engineCapabilities("26.1.5+dfsg1").healthStartInterval).toBe(true);
    // An unreadable version gets what every supported engine accepts.
    expect(engineCapabilities("unknown").healthStartInterval).toBe(false);
  });

  it("supports Debian 12's docker.io (20.10) and nothing older", () => {
    expect(MIN_ENGINE_VERSION).toBe("20.10");
    expect(isSupportedEngine("20.10.24+dfsg1")).toBe(true);
    expect(isSupportedEngine("28.2.2")).toBe(true);
    expect(isSupportedEngine("19.03.15")).toBe(false);
    expect(isSupportedEngine("18.09.1")).toBe(false);
  });
});

describe("the compose file, by engine", () => {
  const project: Project = {
    dir: "/p",
    config: parseConfigText('name: blog\napp: "blog:create_app()"\n'),
    requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask", "gunicorn"] },
  };
  const target = (version?: string): Target => ({
    mode: "production",
    cpus: 2,
    publish: { host: null, port: 80 },
    ...(version ? { engine: engineCapabilities(version) } : {}),
  });
  const render = (t: Target) => renderCompose(project, planWorkers(project.config, project.requirements.names, 2), t);
  type Check = Record<string, string | number | string[]>;
  const checks = (text: string) => {
    const c = parse(text) as { services: Record<string, { healthcheck?: Check }> };
    return { gunicorn: c.services.gunicorn!.healthcheck!, nginx: c.services.nginx!.healthcheck! };
  };

  it("has no start_interval below Engine 25: every check runs at the short interval instead", () => {
    const text = render(target("20.10.24+dfsg1"));
    expect(text).not.toContain("start_interval");
    const { gunicorn, nginx } = checks(text);
    for (const check of [gunicorn, nginx]) {
      expect(check.interval).toBe(PLAIN_HEALTH_INTERVAL);
      expect(check.start_period).toBeDefined();
    }
    expect(gunicorn.test).toEqual(["CMD", "python", "/etc/fdock/fdock_health.py"]);
  });

  it("checks quickly while starting and slowly after from Engine 25, and when no engine was asked", () => {
    for (const t of [target("26.1.5+dfsg1"), target()]) {
      const { gunicorn, nginx } = checks(render(t));
      for (const check of [gunicorn, nginx]) {
        expect(check.start_interval).toBe("250ms");
        expect(check.interval).toBe("10s");
      }
    }
  });
});

/** An engine that answers docker.info with these facts: engines older than 20.10 cannot run on this rig. */
function engineAnswering(info: Promise<Record<string, unknown>>): Docker {
  return { info: () => info } as unknown as Docker;
}

describe("the engine pre-check, before anything is built", () => {
  const example = copyExample();
  afterAll(() => example.cleanup());
  const remote = { dir: example.dir, mode: "production" as const, port: 80, publishHost: null, remoteHost: "203.0.113.10", machine: "web" };

  it("stops a deploy to an engine older than the minimum, naming the version, the minimum and the upgrade", async () => {
    const err = await up(remote, silentReporter, engineAnswering(Promise.resolve({ ServerVersion: "19.03.15", NCPU: 2 }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineTooOldError);
    expect(err).toBeInstanceOf(PrecheckError);
    const e = err as EngineTooOldError;
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("19.03.15");
    expect(e.message).toContain(`Docker Engine ${MIN_ENGINE_VERSION} or later`);
    expect(e.message).toContain('machine "web" (203.0.113.10)');
    expect(e.hint).toContain("fdock machine provision web");
    expect(e.hint).toContain("download.docker.com");
    // Nothing was rendered, so nothing was built.
    expect(existsSync(join(example.dir, ".fdock"))).toBe(false);
  });

  it("names a local engine's address and how to upgrade it", async () => {
    const local = { dir: example.dir, mode: "development" as const, publishHost: "127.0.0.1", env: { ...process.env, DOCKER_HOST: "tcp://127.0.0.1:1" } };
    const e = (await up(local, silentReporter, engineAnswering(Promise.resolve({ ServerVersion: "18.09.1" }))).catch((x: unknown) => x)) as EngineTooOldError;
    expect(e).toBeInstanceOf(EngineTooOldError);
    expect(e.message).toContain("at tcp://127.0.0.1:1");
    expect(e.hint).toContain("https://docs.docker.com/engine/install/");
  });

  it("says a machine's engine does not answer, with the next step", async () => {
    const e = (await up(remote, silentReporter, engineAnswering(Promise.reject(new Error("connect ECONNREFUSED 203.0.113.10:22")))).catch((x: unknown) => x)) as EngineUnreachableError;
    expect(e).toBeInstanceOf(EngineUnreachableError);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe('No Docker engine answers on machine "web" (203.0.113.10) (connect ECONNREFUSED 203.0.113.10:22).');
    expect(e.hint).toContain("fdock machine status web");
    expect(e.hint).toContain("fdock machine provision web");
  });
});
