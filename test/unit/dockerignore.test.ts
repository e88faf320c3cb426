import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { loadProject, parseConfigText } from "../../src/core/project/config-file.js";
import { parseIgnoreText, readIgnoreFile } from "../../src/core/project/ignore-file.js";
import type { Project } from "../../src/core/project/model.js";
import { renderGunicornDockerignore, renderNginxDockerignore } from "../../src/core/render/dockerignore.js";
import { isIgnored } from "../../src/core/render/ignore-match.js";
import { projectWith } from "../helpers/project.js";

function project(yaml: string, dockerignore = ""): Project {
  return {
    dir: "/p",
    config: parseConfigText(`name: blog\napp: "blog:create_app()"\n${yaml}`),
    requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask"] },
    ignorePatterns: parseIgnoreText(dockerignore),
  };
}

/** What Docker leaves out, reading the rendered file as it does. */
const ignoredBy = (rendered: string) => (path: string) => isIgnored(parseIgnoreText(rendered), path);

describe(".dockerignore files as Docker reads them", () => {
  it("drops comments and blanks, trims, cleans paths, keeps order and !", () => {
    expect(parseIgnoreText("\uFEFF# secrets\n\n  credentials.json  \n/build/\n! keep.txt\n./a/../b\r\n")).toEqual(["credentials.json", "build", "!keep.txt", "b"]);
  });

  it("matches like Docker: * stays in a folder, ** crosses folders, a folder takes its files, the last match wins", () => {
    expect(isIgnored(["*.txt"], "a.txt")).toBe(true);
    expect(isIgnored(["*.txt"], "dir/a.txt")).toBe(false);
    expect(isIgnored(["**/*.txt"], "dir/sub/a.txt")).toBe(true);
    expect(isIgnored(["secrets"], "secrets/key.pem")).toBe(true);
    expect(isIgnored(["*", "!app"], "app/views.py")).toBe(false);
    expect(isIgnored(["*.txt", "!keep.txt"], "keep.txt")).toBe(false);
    expect(isIgnored(["!keep.txt", "*.txt"], "keep.txt")).toBe(true);
    expect(isIgnored(["file-[0-9].log"], "file-3.log")).toBe(true);
  });
});

describe("the gunicorn image's ignore file", () => {
  it("honours the project's .dockerignore, in its order", () => {
    const ignored = ignoredBy(renderGunicornDockerignore(project("", "credentials.json\nblog/static/secret.txt\ndocs/*\n!docs/api.md\n")));
    expect(ignored("credentials.json")).toBe(true);
    expect(ignored("blog/static/secret.txt")).toBe(true);
    expect(ignored("docs/guide.md")).toBe(true);
    expect(ignored("docs/api.md")).toBe(false);
    expect(ignored("blog/views.py")).toBe(false);
  });

  it("excludes .env, .git, virtualenvs and caches even when the project's file re-includes them", () => {
    const ignored = ignoredBy(renderGunicornDockerignore(project("", "!.env\n!.env.production\n!.git\n!.venv\n!**/__pycache__\n!config/.env\n")));
    for (const path of [".env", ".env.production", "config/.env", ".git/config", ".venv/bin/python", "venv/bin/python", "blog/__pycache__/views.cpython-312.pyc", ".mypy_cache/x"]) {
      expect(ignored(path), path).toBe(true);
    }
  });

  it("also keeps env_file and persistent paths out, after the project's patterns", () => {
    const text = renderGunicornDockerignore(project("env_file: config/app.env\npersistent: [instance, var/uploads/]\n", "!config/app.env\n!instance\n"));
    const ignored = ignoredBy(text);
    expect(ignored("config/app.env")).toBe(true);
    expect(ignored("instance/blog.sqlite")).toBe(true);
    expect(ignored("var/uploads/a.png")).toBe(true);
    expect(text.indexOf("!instance")).toBeLessThan(text.lastIndexOf("\ninstance\n"));
  });

  it("lets the project re-include fdock's softer defaults (a seed database), never fdock's generated files", () => {
    const ignored = ignoredBy(renderGunicornDockerignore(project("", "!seed.db\n!.fdock\n.fdock/gunicorn.conf.py\nrequirements.txt\n")));
    expect(ignored("seed.db")).toBe(false);
    expect(ignored("other.db")).toBe(true);
    expect(ignored(".fdock/compose.yaml")).toBe(true);
    expect(ignored(".fdock/gunicorn.conf.py")).toBe(false);
    expect(ignored("requirements.txt")).toBe(false);
  });

  it("says so when the project has no .dockerignore", () => {
    expect(renderGunicornDockerignore(project(""))).toContain("# (the project has no .dockerignore)");
  });
});

describe("the nginx image's ignore file", () => {
  const yaml = "static:\n  folder: blog/static\n";

  it("lets in only its config and the static folder", () => {
    const ignored = ignoredBy(renderNginxDockerignore(project(yaml)));
    expect(ignored("blog/static/css/style.css")).toBe(false);
    expect(ignored(".fdock/nginx.conf")).toBe(false);
    expect(ignored(".fdock/nginx-upstream.conf")).toBe(false);
    expect(ignored("blog/views.py")).toBe(true);
    expect(ignored("credentials.json")).toBe(true);
  });

  it("applies the project's patterns inside the static folder, and fdock's must-excludes", () => {
    const ignored = ignoredBy(renderNginxDockerignore(project(yaml, "blog/static/secret.txt\n**/*.map\n")));
    expect(ignored("blog/static/secret.txt")).toBe(true);
    expect(ignored("blog/static/js/app.js.map")).toBe(true);
    expect(ignored("blog/static/.env")).toBe(true);
    expect(ignored("blog/static/.git/HEAD")).toBe(true);
    expect(ignored("blog/static/js/app.js")).toBe(false);
  });

  it("keeps the static folder when an allow-list style file leaves it out as a whole", () => {
    const text = renderNginxDockerignore(project(yaml, "*\n!blog/*.py\nblog/static/drafts\n"));
    const ignored = ignoredBy(text);
    expect(ignored("blog/static/css/style.css")).toBe(false);
    expect(ignored("blog/static/drafts/post.html")).toBe(true);
    expect(ignored(".fdock/nginx.conf")).toBe(false);
  });

  it("has no static folder line when there is no static folder", () => {
    const ignored = ignoredBy(renderNginxDockerignore(project("", "credentials.json\n")));
    expect(ignored("blog/static/css/style.css")).toBe(true);
    expect(ignored(".fdock/nginx.conf")).toBe(false);
  });
});

describe("static.folder", () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((c) => c()));
  const folder = (files: Record<string, string>) => {
    const p = projectWith(files);
    cleanups.push(p.cleanup);
    return p.dir;
  };
  const loadError = (dir: string): ConfigError => {
    try {
      loadProject(dir, {});
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error("expected a ConfigError");
  };
  const yaml = (staticFolder: string) => `name: blog\napp: "blog:create_app()"\nstatic:\n  folder: "${staticFolder}"\n`;

  it("refuses the project folder itself, however it is spelled", () => {
    for (const f of [".", "./", "./.", "blog/.."]) {
      expect(() => parseConfigText(yaml(f)), f).toThrow(/static\.folder: must be a path inside the project/);
    }
    expect(() => parseConfigText(yaml("."))).toThrow(/not the project folder itself/);
  });

  it("refuses a path outside the project, absolute or with ..", () => {
    for (const f of ["/var/www", "../shared/static", "blog/../../x"]) expect(() => parseConfigText(yaml(f)), f).toThrow(/static\.folder: must be a path inside the project/);
  });

  it("refuses a symlink that leads to the project root or out of it, naming the key", () => {
    const outside = folder({ "secret.txt": "x" });
    const dir = folder({ "fdock.yaml": yaml("public"), "blog/static/a.css": "" });
    symlinkSync(outside, join(dir, "public"));
    const e = loadError(dir);
    expect(e.message).toContain("static.folder");
    expect(e.message).toContain("leads outside the project");
    expect(e.hint).toContain("static.folder");

    const root = folder({ "fdock.yaml": yaml("www"), "app.py": "" });
    symlinkSync(".", join(root, "www"));
    expect(loadError(root).message).toMatch(/static\.folder: "www" is the project folder itself/);
  });

  it("refuses a static folder that does not exist, and accepts a real one with the project's patterns loaded", () => {
    const dir = folder({ "fdock.yaml": yaml("blog/statc"), "blog/static/a.css": "" });
    expect(loadError(dir).message).toMatch(/static\.folder: "blog\/statc" does not exist/);
    writeFileSync(join(dir, "fdock.yaml"), yaml("blog/static"));
    writeFileSync(join(dir, ".dockerignore"), "# mine\ncredentials.json\n");
    mkdirSync(join(dir, "blog/static/img"));
    const p = loadProject(dir, {});
    expect(p.config.static?.folder).toBe("blog/static");
    expect(p.ignorePatterns).toEqual(["credentials.json"]);
    expect(readIgnoreFile(join(dir, "blog"))).toEqual([]);
  });
});
