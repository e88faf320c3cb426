import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderBundle } from "../../src/core/render/bundle.js";
import { GUNICORN_PORT, NGINX_UPSTREAM_FILE, STATIC_ROOT } from "../../src/core/render/layout.js";
import { renderNginxConf } from "../../src/core/render/nginx-image.js";
import type { Target } from "../../src/core/render/target.js";
import { PACKAGE_ROOT } from "../../src/core/render/templates.js";

const project = (yaml: string): Project => ({
  dir: "/p",
  config: parseConfigText(`name: blog\napp: "blog:create_app()"\nstatic:\n  folder: static\n  url: /static\n${yaml}`),
  requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask", "gunicorn"] },
});
const prod: Target = { mode: "production", cpus: 2, publish: { host: null, port: 80 } };

describe("the layout module", () => {
  const p = project("");
  const bundle = renderBundle(p, planWorkers(p.config, ["flask", "gunicorn"], 2), prod);

  it("gives gunicorn's port to every file that names it", () => {
    expect(bundle["gunicorn.conf.py"]).toContain(`bind = "0.0.0.0:${GUNICORN_PORT}"`);
    expect(bundle["fdock_health.py"]).toContain(`"http://127.0.0.1:${GUNICORN_PORT}"`);
    expect(bundle["gunicorn.Dockerfile"]).toContain(`EXPOSE ${GUNICORN_PORT}\n`);
    expect(bundle["nginx-upstream.conf"]).toBe(`server gunicorn:${GUNICORN_PORT} fail_timeout=0;\n`);
    const compose = parse(bundle["compose.yaml"]!) as { services: { gunicorn: { expose: string[] } } };
    expect(compose.services.gunicorn.expose).toEqual([String(GUNICORN_PORT)]);
  });

  it("gives the in-container paths to the files that share them", () => {
    expect(bundle["nginx.conf"]).toContain(`include ${NGINX_UPSTREAM_FILE};`);
    expect(bundle["nginx.Dockerfile"]).toContain(`COPY .fdock/nginx-upstream.conf ${NGINX_UPSTREAM_FILE}\n`);
    expect(bundle["nginx.conf"]).toContain(`alias ${STATIC_ROOT}/;`);
    expect(bundle["nginx.Dockerfile"]).toContain(`COPY static ${STATIC_ROOT}/\n`);
  });

  it("leaves no placeholder unfilled in any generated file", () => {
    for (const [name, text] of Object.entries(bundle)) expect(text, name).not.toMatch(/\{\{\w+\}\}/);
  });

  it("is the only place the templates get gunicorn's port from", () => {
    const templates = ["images/gunicorn", "images/nginx", "images/front", "compose"].flatMap((d) =>
      readdirSync(join(PACKAGE_ROOT, d)).map((f) => join(PACKAGE_ROOT, d, f)),
    );
    for (const file of templates) expect(readFileSync(file, "utf8"), file).not.toContain(String(GUNICORN_PORT));
  });
});

describe("the extra servers (server names)", () => {
  it("stand apart from each other and from the app's server by one blank line", () => {
    const p = project("server:\n  names: [example.com]\n  redirect_www: true\n");
    const conf = renderNginxConf(p.config, planWorkers(p.config, ["flask", "gunicorn"], 2), prod);
    expect(conf).toContain("}\n\n# Requests for any other host name get no answer at all.\nserver {");
    expect(conf).toContain("    return 444;\n}\n\nserver {\n    listen 80;\n    server_name www.example.com;");
    expect(conf).toContain("    return 301 $scheme://example.com$request_uri;\n}\n\nserver {\n    listen 80;\n    server_name example.com;");
  });
});
