import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpResult } from "../../src/core/stack/up.js";
import { copyExample } from "../helpers/project.js";
import { docker, downLocal, httpGet, upLocal } from "../helpers/engine.js";

/**
 * The project's .dockerignore reaches both images: a production stack of the example app whose
 * .dockerignore lists a credentials file and a file in the static folder, and which also tries
 * to re-include .env (fdock's must-excludes win).
 */
describe("the project's .dockerignore, on a real engine", () => {
  const ex = copyExample();
  const image = (service: "gunicorn" | "nginx") => `fdock-${ex.name}-${service}:latest`;
  let result: UpResult;

  /** Files under a folder of an image, listed by a throwaway container of it. */
  const filesIn = async (service: "gunicorn" | "nginx", folder: string) =>
    (await docker("run", "--rm", "--entrypoint", "ls", image(service), "-A", "-R", folder)).split("\n");

  beforeAll(async () => {
    writeFileSync(join(ex.dir, ".dockerignore"), "# the project's own\ncredentials.json\nflask_blog/static/secret.txt\n!.env\n");
    writeFileSync(join(ex.dir, "credentials.json"), '{"token": "do-not-ship"}\n');
    writeFileSync(join(ex.dir, "flask_blog/static/secret.txt"), "do-not-serve\n");
    writeFileSync(join(ex.dir, "flask_blog/static/public.txt"), "hello\n");
    writeFileSync(join(ex.dir, ".env"), "SECRET_KEY=do-not-ship\n");
    result = await upLocal(ex.dir, "production");
  });

  afterAll(async () => {
    await downLocal(ex.dir);
    const ids = await docker("images", "-q", "--filter", `reference=fdock-${ex.name}-*`).catch(() => "");
    if (ids) await docker("rmi", "-f", ...new Set(ids.split("\n"))).catch(() => undefined);
    ex.cleanup();
  });

  it("leaves the listed files and .env out of the gunicorn image, and keeps the code", async () => {
    const files = await filesIn("gunicorn", "/app");
    expect(files).toContain("views.py");
    expect(files).toContain("public.txt");
    expect(files).not.toContain("credentials.json");
    expect(files).not.toContain("secret.txt");
    expect(files).not.toContain(".env");
  });

  it("leaves the listed static file out of the nginx image, and keeps the rest of the folder", async () => {
    const files = await filesIn("nginx", "/usr/share/nginx/fdock-static");
    expect(files).toContain("public.txt");
    expect(files).toContain("style.css");
    expect(files).not.toContain("secret.txt");
  });

  it("still serves the site and its static files, never the secret", async () => {
    const base = `http://127.0.0.1:${result.port}`;
    expect((await httpGet(`${base}/`)).status).toBe(200);
    expect((await httpGet(`${base}/static/public.txt`)).body).toBe("hello\n");
    expect((await httpGet(`${base}/static/secret.txt`)).status).toBe(404);
  });
});
