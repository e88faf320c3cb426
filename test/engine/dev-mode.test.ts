import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpResult } from "../../src/core/stack/up.js";
import { copyExample } from "../helpers/project.js";
import { downLocal, eventually, httpGet, upLocal } from "../helpers/engine.js";

/** `fdock up` in development mode: the source is mounted, and edits are served without a restart. */
describe("fdock up (development)", () => {
  const ex = copyExample();
  let result: UpResult;
  let base: string;
  beforeAll(async () => {
    result = await upLocal(ex.dir, "development");
    base = `http://127.0.0.1:${result.port}`;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    ex.cleanup();
  });

  it("serves an edited Python file without a restart", async () => {
    expect(result.mode).toBe("development");
    expect(JSON.parse((await httpGet(`${base}/api/version`)).body).version).toBe("1");
    const file = join(ex.dir, "flask_blog/version.py");
    writeFileSync(file, readFileSync(file, "utf8").replace('VERSION = "1"', 'VERSION = "dev-edit"'));
    await eventually(
      async () => JSON.parse((await httpGet(`${base}/api/version`)).body).version === "dev-edit",
      30_000,
      "the edited version.py served",
    );
  });

  it("serves an edited static file at once, uncached", async () => {
    const file = join(ex.dir, "flask_blog/static/css/style.css");
    writeFileSync(file, readFileSync(file, "utf8") + "\n/* edited in development */\n");
    const css = await httpGet(`${base}/static/css/style.css`);
    expect(css.body).toContain("/* edited in development */");
    expect(css.headers["cache-control"]).toBe("no-cache");
  });
});
