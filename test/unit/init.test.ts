import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { init } from "../../src/core/project/init.js";
import { failure } from "../helpers/failure.js";
import { copyExample, projectWith } from "../helpers/project.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));


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
