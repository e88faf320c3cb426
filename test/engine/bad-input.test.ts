import { appendFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PrecheckError } from "../../src/core/errors.js";
import { silentReporter } from "../../src/core/events.js";
import { up } from "../../src/core/stack/up.js";
import { failure } from "../helpers/failure.js";
import { copyExample } from "../helpers/project.js";
import { docker, downLocal, httpGet, projectContainers, projectNetworks, upLocal } from "../helpers/engine.js";


const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});
function example(overrides: Record<string, unknown> = {}) {
  const ex = copyExample(overrides);
  // Whatever a test left on the engine (images of a failed deploy too), then the folder.
  cleanups.push(async () => { await downLocal(ex.dir); ex.cleanup(); });
  return ex;
}

describe("bad input gets a clear error and leaves nothing half-done", () => {
  it("an app that fails to import: gunicorn's traceback, non-zero, nothing left running", async () => {
    const ex = example({ release: null });
    writeFileSync(join(ex.dir, "flask_blog/views.py"), "import no_such_module_anywhere\nVERSION = '1'\n");
    const e = await failure(upLocal(ex.dir));
    expect(e.message).toContain("did not become healthy");
    expect(e.detail).toContain("Traceback");
    expect(e.detail).toContain("No module named 'no_such_module_anywhere'");
    expect(e.exitCode).not.toBe(0);
    expect(await projectContainers(ex.name)).toEqual([]);
  });

  it("a release command that fails: its output, and no container or network left behind", async () => {
    const ex = example({ release: "python -c 'import sys; print(\"migration 7 failed\"); sys.exit(3)'" });
    const e = await failure(upLocal(ex.dir));
    expect(e.message).toContain("The release command failed");
    expect(e.detail).toContain("migration 7 failed");
    expect(await projectContainers(ex.name)).toEqual([]);
    expect(await projectNetworks(ex.name)).toEqual([]);
  });

  it("a requirements install that fails names requirements.txt and shows pip's error", async () => {
    const ex = example();
    appendFileSync(join(ex.dir, "requirements.txt"), "no-such-package-fdock-test==9.9.9\n");
    const e = await failure(upLocal(ex.dir));
    expect(e.message).toContain("Installing the app's dependencies failed (pip install of requirements.txt)");
    expect(e.detail).toMatch(/no-such-package-fdock-test/i);
    expect(await projectContainers(ex.name)).toEqual([]);
  });

  it("a deploy while another holds the project's lock is refused before anything is built; a dead deploy's lock is taken over", async () => {
    const ex = example({ release: null });
    const lock = `fdock-deploy-lock-${ex.name}`;
    const holder = (pid: number) => [
      "--label", `dev.fdock.deploy-lock=${ex.name}`, "--label", `dev.fdock.deploy-lock.host=${hostname()}`,
      "--label", `dev.fdock.deploy-lock.pid=${pid}`, "--label", `dev.fdock.deploy-lock.since=${new Date().toISOString()}`,
    ];
    // Held by a live process: this test's own.
    await docker("network", "create", "--internal", ...holder(process.pid), lock);
    try {
      const e = await failure(upLocal(ex.dir));
      expect(e.message).toContain(`Another fdock deploy of ${ex.name} is in progress on this engine (fdock pid ${process.pid} on ${hostname()}`);
      expect(e.hint).toContain(`docker network rm ${lock}`);
      expect(await projectContainers(ex.name)).toEqual([]);
    } finally {
      await docker("network", "rm", lock);
    }
    // Left by a process that has exited (a deploy killed halfway): taken over, and released after.
    const dead = spawnSync("true").pid!;
    await docker("network", "create", "--internal", ...holder(dead), lock);
    try {
      const result = await upLocal(ex.dir);
      expect((await httpGet(`http://127.0.0.1:${result.port}/healthz`)).status).toBe(200);
      expect(await docker("network", "ls", "--quiet", "--filter", `name=^${lock}$`)).toBe("");
    } finally {
      await downLocal(ex.dir);
      await docker("network", "rm", lock).catch(() => undefined);
    }
  });

  it("a port that is taken is refused before anything is built", async () => {
    const ex = example();
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const e = await failure(up({ dir: ex.dir, mode: "production", port, publishHost: "127.0.0.1" }, silentReporter));
      expect(e).toBeInstanceOf(PrecheckError);
      expect(e.message).toBe(`Port ${port} is already in use on this machine.`);
      expect(e.hint).toContain("--port");
    } finally {
      server.close();
    }
    expect(await projectContainers(ex.name)).toEqual([]);
  });

  it("no Docker engine: says where it looked and how to start one", async () => {
    const ex = example();
    const env = { ...process.env, DOCKER_HOST: "unix:///tmp/fdock-no-engine-here.sock" };
    const e = await failure(up({ dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1", env }, silentReporter));
    expect(e).toBeInstanceOf(PrecheckError);
    expect(e.message).toContain("No Docker engine answers at unix:///tmp/fdock-no-engine-here.sock");
    expect(e.hint).toContain("dockerd");
  });

  it("a wrong project folder and an invalid fdock.yaml are user errors naming the fix", async () => {
    const missing = await failure(upLocal("/tmp/fdock-no-such-project"));
    expect(missing.hint).toContain("-C DIR");
    const ex = example();
    writeFileSync(join(ex.dir, "fdock.yaml"), "name: x\napp: flask_blog:create_app()\nworkers:\n  count: many\n");
    const invalid = await failure(upLocal(ex.dir));
    expect(invalid.message).toContain("workers.count");
  });
});
