import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentReporter } from "../../src/core/events.js";
import { existingCompose } from "../../src/core/stack/existing-compose.js";
import { lockName } from "../../src/core/stack/deploy-lock.js";
import { DeployInterrupted } from "../../src/core/stack/interrupted.js";
import { up, type UpResult } from "../../src/core/stack/up.js";
import { docker, downLocal, eventually, httpGet, projectContainers, projectNetworks, removeProjectImages, upLocal } from "../helpers/engine.js";
import { failure } from "../helpers/failure.js";
import { keepAsking } from "../helpers/keep-asking.js";
import { copyExample } from "../helpers/project.js";

const production = (dir: string) => ({ dir, mode: "production" as const, port: 0, publishHost: "127.0.0.1" });

/** Edits fdock.yaml (or another file of the copy) with a replace function. */
function edit(dir: string, file: string, change: (text: string) => string): () => void {
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  writeFileSync(path, change(before));
  return () => writeFileSync(path, before);
}

/**
 * Production deploys never take the site down: whatever changed, the new version starts beside
 * the old one, the front and nginx switch to it once it is healthy, and a failure or an abort
 * leaves the old one serving. A client asks every 20 ms throughout.
 */
describe("production deploys without a gap (real engine)", () => {
  const ex = copyExample();
  let base: string;
  let first: UpResult;
  const ids = (service: string) =>
    docker("ps", "-a", "-q", "--no-trunc", "--filter", `label=com.docker.compose.project=${ex.name}`, "--filter", `label=com.docker.compose.service=${service}`).then((o) => o.split("\n").filter(Boolean));

  beforeAll(async () => {
    first = await upLocal(ex.dir, "production");
    base = `http://127.0.0.1:${first.port}`;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("keeps answering through a failed deploy that changes nginx settings: the old version still serves", async () => {
    const [gunicorns, nginxes, fronts] = [await ids("gunicorn"), await ids("nginx"), await ids("front")];
    // A new static URL (a new nginx) and an app gunicorn cannot load (its release still passes).
    const restore = edit(ex.dir, "fdock.yaml", (t) => t.replace("url: /static", "url: /assets").replace(/^app: .*$/m, "app: flask_blog.db:get_db()"));
    const asking = keepAsking(`${base}/api/version`);
    try {
      const e = await failure(up(production(ex.dir), silentReporter));
      expect(e.message).toContain("the running version still serves");
      expect(e.detail).toContain("Working outside of application context");
    } finally {
      restore();
    }
    const statuses = await asking.stop();
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect([await ids("gunicorn"), await ids("nginx"), await ids("front")]).toEqual([gunicorns, nginxes, fronts]);
    const css = await httpGet(`${base}/static/css/style.css`);
    expect(css.headers["cache-control"]).toContain("max-age=604800");
  });

  it("keeps answering through a successful deploy that changes nginx settings, then serves them", async () => {
    const [nginxes, fronts] = [await ids("nginx"), await ids("front")];
    edit(ex.dir, "fdock.yaml", (t) => t.replace("url: /static", "url: /assets").replace("client_max_body_size: 10m", "client_max_body_size: 1k"));
    const asking = keepAsking(`${base}/api/version`);
    const again = await up(production(ex.dir), silentReporter);
    const statuses = await asking.stop();
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // A new nginx took over behind the same front, on the same port.
    expect(await ids("front")).toEqual(fronts);
    expect(again.port).toBe(first.port);
    const now = await ids("nginx");
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(nginxes);
    const css = await httpGet(`${base}/assets/css/style.css`);
    expect(css.status).toBe(200);
    expect(css.body).toContain("/* flask-blog stylesheet */");
    expect(css.headers["cache-control"]).toContain("max-age=604800");
    // The app nginx's own limit answers through the front (which has none of its own).
    const big = await fetch(`${base}/api/posts`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(4096) });
    expect(big.status).toBe(413);
  });

  it("an aborted deploy (fired while the new gunicorn starts) leaves the old version serving and the lock released", async () => {
    const gunicorns = await ids("gunicorn");
    const restore = edit(ex.dir, "flask_blog/version.py", (t) => t.replace('VERSION = "1"', 'VERSION = "aborted"'));
    const controller = new AbortController();
    const asking = keepAsking(`${base}/api/version`);
    try {
      const deploying = up(production(ex.dir), silentReporter, undefined, controller.signal);
      deploying.catch(() => undefined);
      await eventually(async () => (await ids("gunicorn")).length === 2, 180_000, "a second gunicorn starts");
      controller.abort();
      const e = await failure(deploying);
      expect(e).toBeInstanceOf(DeployInterrupted);
      expect(e.exitCode).toBe(130);
      expect(e.message).toContain("the running version still serves");
    } finally {
      restore();
    }
    const statuses = await asking.stop();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await ids("gunicorn")).toEqual(gunicorns);
    expect(JSON.parse((await httpGet(`${base}/api/version`)).body).version).toBe("1");
    expect(await docker("network", "ls", "-q", "--filter", `name=^${lockName(ex.name)}$`)).toBe("");
  });

  it("a deploy after a killed one removes what that one left (a second gunicorn nothing points at)", async () => {
    const gunicorns = await ids("gunicorn");
    // What a deploy killed while its new gunicorn started leaves behind.
    await existingCompose(ex.dir).upBeside("gunicorn");
    expect(await ids("gunicorn")).toHaveLength(2);
    edit(ex.dir, "flask_blog/version.py", (t) => t.replace('VERSION = "1"', 'VERSION = "after-kill"'));
    const asking = keepAsking(`${base}/api/version`);
    await up(production(ex.dir), silentReporter);
    const statuses = await asking.stop();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const now = await ids("gunicorn");
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(gunicorns);
    expect(JSON.parse((await httpGet(`${base}/api/version`)).body).version).toBe("after-kill");
  });
});

describe("a first deploy that fails (real engine)", () => {
  const ex = copyExample({ app: "flask_blog.db:get_db()" });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("leaves no containers or networks behind", async () => {
    await failure(up(production(ex.dir), silentReporter));
    expect(await projectContainers(ex.name)).toEqual([]);
    expect(await projectNetworks(ex.name)).toEqual([]);
    expect(await docker("network", "ls", "-q", "--filter", `name=^${lockName(ex.name)}$`)).toBe("");
  });
});
