import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HealthCheckError } from "../../src/core/errors.js";
import type { Reporter } from "../../src/core/events.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { init } from "../../src/core/project/init.js";
import { up } from "../../src/core/stack/up.js";
import { failure } from "../helpers/failure.js";
import { copyExample } from "../helpers/project.js";
import { downLocal, httpGet, projectContainers, projectNetworks, upLocal } from "../helpers/engine.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A Flask app with no health route, as most apps are: app.py with one route, /hello. */
function appWithoutHealthRoute(): string {
  const root = mkdtempSync(join(tmpdir(), "fdock-health-"));
  const dir = join(root, `fdock-test-${process.pid}-nohealth`);
  mkdirSync(dir);
  writeFileSync(join(dir, "app.py"), 'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route("/hello")\ndef hello():\n    return "hello"\n');
  writeFileSync(join(dir, "requirements.txt"), "flask\n");
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return dir;
}

/** Rejects when the step `id` has run for longer than ms (a functional bound, not a timing assertion). */
function stepDeadline(id: string, ms: number): { reporter: Reporter; expired: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let fail: (e: Error) => void = () => undefined;
  const expired = new Promise<never>((_, reject) => { fail = reject; });
  expired.catch(() => undefined);
  const reporter: Reporter = {
    emit(event) {
      if (event.kind === "step-start" && event.id === id) {
        timer = setTimeout(() => fail(new Error(`step "${id}" still running after ${ms / 1000} s`)), ms);
      }
    },
  };
  return { reporter, expired, cancel: () => clearTimeout(timer) };
}

describe("a health check that works on any Flask app", () => {
  it("an app with no health route is served after init (no questions) and up", async () => {
    const dir = appWithoutHealthRoute();
    cleanups.push(() => downLocal(dir));
    const result = await init({ dir });
    expect(result.notes.join("\n")).toContain("health checks GET /: any answer below 500 counts");
    expect(parseConfigText(readFileSync(result.file, "utf8")).health).toEqual({ path: "/", explicit: false });

    const served = await upLocal(dir);
    const hello = await httpGet(`http://127.0.0.1:${served.port}/hello`);
    expect(hello.status).toBe(200);
    expect(hello.body).toBe("hello");
    expect(hello.headers.server).toBe("nginx");
  });

  it("a configured health route answering 404 is reported within 15 s, with the status, the path and gunicorn's log; nothing is left running", async () => {
    const ex = copyExample({ release: null, health: { path: "/missing" } });
    cleanups.push(ex.cleanup, () => downLocal(ex.dir));
    // The bound starts with the start step: the image build before it is not the health check.
    const deadline = stepDeadline("start", 15_000);
    const deploy = up({ dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1" }, deadline.reporter);
    const e = await failure(Promise.race([deploy, deadline.expired])).finally(deadline.cancel);
    expect(e).toBeInstanceOf(HealthCheckError);
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe("The app did not become healthy (GET /missing answered 404), so fdock stopped the stack again.");
    expect(e.hint).toContain("health.path");
    expect(e.detail).toMatch(/Booting worker|Listening at/);
    expect(await projectContainers(ex.name)).toEqual([]);
    expect(await projectNetworks(ex.name)).toEqual([]);
  });

  it("a redeploy whose health route answers 404 is reported within 15 s and the running version keeps serving", async () => {
    const ex = copyExample({ release: null });
    cleanups.push(ex.cleanup, () => downLocal(ex.dir));
    const first = await upLocal(ex.dir);
    const config = join(ex.dir, "fdock.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("path: /healthz", "path: /missing"));
    const deadline = stepDeadline("start", 15_000);
    const deploy = up({ dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1" }, deadline.reporter);
    const e = await failure(Promise.race([deploy, deadline.expired])).finally(deadline.cancel);
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe("The new version did not become healthy (GET /missing answered 404), so fdock removed it: the running version still serves.");
    expect((await httpGet(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
    expect((await projectContainers(ex.name)).filter((n) => n.includes("gunicorn"))).toHaveLength(1);
  });
});
