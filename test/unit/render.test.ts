import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderBundle } from "../../src/core/render/bundle.js";
import { renderCompose } from "../../src/core/render/compose.js";
import { parseIgnoreText } from "../../src/core/project/ignore-file.js";
import { renderGunicornDockerignore } from "../../src/core/render/dockerignore.js";
import { isIgnored } from "../../src/core/render/ignore-match.js";
import { renderGunicornDockerfile } from "../../src/core/render/gunicorn-image.js";
import { renderNginxConf, renderNginxDockerfile, renderNginxUpstream } from "../../src/core/render/nginx-image.js";
import { nginxLimits, renderNginxMainConf } from "../../src/core/render/nginx-main.js";
import type { Target } from "../../src/core/render/target.js";

function project(yaml: string, names: string[] = ["flask", "gunicorn"]): Project {
  return {
    dir: "/p",
    config: parseConfigText(`name: blog\napp: "blog:create_app()"\n${yaml}`),
    requirements: { kind: "requirements.txt", path: "requirements.txt", names },
  };
}
const prod: Target = { mode: "production", cpus: 2, publish: { host: null, port: 80 } };
const dev: Target = { mode: "development", cpus: 2, publish: { host: "127.0.0.1", port: 8080 } };

type Compose = { services: Record<string, Record<string, any>>; networks: Record<string, any>; volumes?: Record<string, unknown>; name: string };
const composeOf = (p: Project, t: Target) => parse(renderCompose(p, planWorkers(p.config, p.requirements.names, t.cpus), t)) as Compose;

describe("the front (production)", () => {
  const p = project("server:\n  names: [example.com]\n  client_max_body_size: 1m\n");
  const plan = (t: Target) => planWorkers(p.config, p.requirements.names, t.cpus);

  it("is the same for any app settings: compose never recreates it on a redeploy", () => {
    const other = project("server:\n  names: [other.org]\nworkers:\n  class: sync\n");
    const front = (q: Project) => composeOf(q, prod).services.front;
    expect(front(other)).toEqual(front(p));
    const bundle = renderBundle(p, plan(prod), prod);
    expect(renderBundle(other, planWorkers(other.config, other.requirements.names, 2), prod)["front.conf"]).toBe(bundle["front.conf"]);
    expect(bundle["front-upstream.conf"]).toBe("server nginx:80;\n");
    expect(renderBundle(p, plan(dev), dev)["front.conf"]).toBeUndefined();
  });

  it("sets X-Real-IP, passes Host and the client's X-Forwarded-For, and leaves limits and buffering to the app nginx", () => {
    const conf = renderBundle(p, plan(prod), prod)["front.conf"]!;
    expect(conf).toContain("proxy_set_header X-Real-IP $remote_addr;");
    expect(conf).toContain("proxy_set_header Host $http_host;");
    // No directive touches X-Forwarded-For: nginx passes the client's header as it came.
    expect(conf.replace(/#.*$/gm, "")).not.toContain("X-Forwarded-For");
    expect(conf).toContain("client_max_body_size 0;");
    expect(conf).toContain("proxy_request_buffering off;");
    expect(conf).toContain("proxy_buffering off;");
    expect(conf).toMatch(/upstream fdock_app \{\n(\s*#.*\n)*\s*include \/etc\/nginx\/fdock\/front-upstream\.conf;/);
  });

  it("is believed by the app nginx (production only), from private addresses only", () => {
    const prodConf = renderNginxConf(p.config, plan(prod), prod);
    expect(prodConf).toContain("real_ip_header X-Real-IP;");
    expect(prodConf.match(/set_real_ip_from (\S+);/g)).toEqual(["set_real_ip_from 10.0.0.0/8;", "set_real_ip_from 172.16.0.0/12;", "set_real_ip_from 192.168.0.0/16;"]);
    expect(renderNginxConf(p.config, plan(dev), dev)).not.toContain("real_ip");
  });
});

describe("compose topology", () => {
  const p = project("static:\n  folder: blog/static\npersistent: [instance, var/uploads]\nrelease: python -m blog.release\n");

  it("publishes only the front (production); gunicorn sits on an internal network", () => {
    const c = composeOf(p, prod);
    expect(c.name).toBe("blog");
    expect(c.services.front!.ports).toEqual(["80:80"]);
    expect(c.services.front!.networks).toEqual(["edge"]);
    // nginx publishes nothing, so a new one can start beside the old one on a redeploy.
    expect(c.services.nginx!.ports).toBeUndefined();
    expect(composeOf(p, dev).services.front).toBeUndefined();
    expect(c.services.gunicorn!.ports).toBeUndefined();
    // internal: reached by nginx only; egress: its own way out, nothing published on it.
    expect(c.services.gunicorn!.networks).toEqual(["internal", "egress"]);
    expect(c.networks.internal).toEqual({ internal: true });
    expect(c.networks.egress).toEqual({});
    expect(c.services.nginx!.networks).toEqual(["internal", "edge"]);
  });

  it("waits for a healthy gunicorn with a check that needs no curl, and restarts on failure", () => {
    const c = composeOf(p, prod);
    expect(c.services.gunicorn!.healthcheck.test).toEqual(["CMD", "python", "/etc/fdock/fdock_health.py"]);
    expect(c.services.nginx!.depends_on.gunicorn.condition).toBe("service_healthy");
    expect(c.services.gunicorn!.restart).toBe("unless-stopped");
    expect(c.services.nginx!.restart).toBe("unless-stopped");
    // Replacing gunicorn does not restart nginx (fdock reloads it), and a stop waits for gunicorn's
    // graceful timeout (30 s by default) instead of compose's 10 s.
    expect(c.services.nginx!.depends_on.gunicorn.restart).toBeUndefined();
    expect(c.services.gunicorn!.stop_grace_period).toBe("35s");
  });

  it("keeps persistent paths on named volumes, shared with the release step", () => {
    const c = composeOf(p, prod);
    expect(c.volumes).toEqual({ "data-instance": {}, "data-var-uploads": {} });
    expect(c.services.gunicorn!.volumes).toEqual(["data-instance:/app/instance", "data-var-uploads:/app/var/uploads"]);
    expect(c.services.release!.volumes).toEqual(c.services.gunicorn!.volumes);
    expect(c.services.release!.profiles).toEqual(["release"]);
    expect(c.services.release!.command).toEqual(["sh", "-c", "python -m blog.release"]);
    expect(c.services.release!.image).toBe(c.services.gunicorn!.image);
  });

  it("passes the worker plan sized from the engine's CPUs", () => {
    const env = composeOf(project("", ["flask", "gevent"]), { ...prod, cpus: 4 }).services.gunicorn!.environment;
    expect(env).toMatchObject({ FDOCK_APP: "blog:create_app()", FDOCK_WORKER_CLASS: "gevent", FDOCK_WORKERS: "9", FDOCK_WORKER_CONNECTIONS: "1000" });
    expect(env.FDOCK_RELOAD).toBeUndefined();
  });

  it("in development mounts the source and static folder, reloads, and publishes on loopback", () => {
    const c = composeOf(p, dev);
    expect(c.services.gunicorn!.volumes[0]).toBe("..:/app");
    expect(c.services.gunicorn!.environment.FDOCK_RELOAD).toBe("1");
    expect(c.services.nginx!.volumes).toEqual(["../blog/static:/usr/share/nginx/fdock-static:ro"]);
    expect(c.services.nginx!.ports).toEqual(["127.0.0.1:8080:80"]);
    expect(composeOf(p, { ...dev, publish: { host: "127.0.0.1", port: 0 } }).services.nginx!.ports).toEqual(["127.0.0.1::80"]);
  });

  it("in development runs the app and its release as the invoking user, with persistent paths in the source", () => {
    const c = composeOf(p, { ...dev, devUser: "1000:1000" });
    expect(c.services.gunicorn!.user).toBe("1000:1000");
    expect(c.services.release!.user).toBe("1000:1000");
    expect(c.services.gunicorn!.environment.HOME).toBe("/tmp");
    // The user's own instance/ inside the mounted source, not a volume the image's app user owns.
    expect(c.services.gunicorn!.volumes).toEqual(["..:/app"]);
    expect(c.volumes).toBeUndefined();
    // Production keeps the image's non-root app user.
    expect(composeOf(p, prod).services.gunicorn!.user).toBeUndefined();
  });

  it("has no release service when there is no release command, and passes the env file", () => {
    const c = composeOf(project("env_file: .env\n"), prod);
    expect(c.services.release).toBeUndefined();
    expect(c.services.gunicorn!.env_file).toEqual(["../.env"]);
  });
});

describe("nginx config", () => {
  const conf = (yaml: string, names = ["flask"]) => {
    const p = project(yaml, names);
    return renderNginxConf(p.config, planWorkers(p.config, names, 2), prod);
  };

  it("proxies as gunicorn's deploy guide says", () => {
    const c = conf("");
    // The upstream's servers come from a file of their own, which a redeploy rewrites for a moment.
    expect(c).toMatch(/upstream app \{\n(\s*#.*\n)*\s*include \/etc\/nginx\/fdock\/upstream\.conf;/);
    expect(renderNginxUpstream()).toBe("server gunicorn:8000 fail_timeout=0;\n");
    expect(renderNginxUpstream("172.18.0.5")).toBe("server 172.18.0.5:8000 fail_timeout=0;\n");
    expect(c).toContain("proxy_redirect off;");
    for (const h of ["Host $http_host", "X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"]) {
      expect(c).toContain(`proxy_set_header ${h};`);
    }
    expect(c).toContain("server_tokens off;");
    expect(c).toContain("client_max_body_size 10m;");
    expect(c).toContain("gzip on;");
    expect(c).toMatch(/proxy_read_timeout 35s;/);
    expect(c).not.toContain("{{");
  });

  it("serves static files itself with cache headers", () => {
    const c = conf("static:\n  folder: blog/static\n  url: /assets\n");
    expect(c).toContain("location /assets/ {");
    expect(c).toContain("alias /usr/share/nginx/fdock-static/;");
    expect(c).toContain("expires 7d;");
  });

  it("answers 444 to unknown hosts and redirects www when server names are set", () => {
    const c = conf("server:\n  names: [example.com]\n  redirect_www: true\n  client_max_body_size: 50m\n");
    expect(c).toMatch(/listen 80 default_server backlog=4096;\s+server_name _;\s+server_tokens off;\s+return 444;/);
    expect(c).toContain("server_name www.example.com;");
    expect(c).toContain("return 301 $scheme://example.com$request_uri;");
    expect(c).toContain("server_name example.com;");
    expect(c).toContain("client_max_body_size 50m;");
    expect(conf("")).toContain("listen 80 default_server backlog=4096;\n    server_name _;");
    // nginx takes listen options once per address: the backlog is on the default server only.
    for (const c2 of [c, conf("")]) expect(c2.match(/backlog=/g)).toHaveLength(1);
  });

  it("owns nginx's main configuration: connections and open files sized from the worker plan", () => {
    const main = (yaml: string, names = ["flask"]) => {
      const p = project(yaml, names);
      return renderNginxMainConf(planWorkers(p.config, names, 2));
    };
    // gevent: 5 workers x 1000 connections = 5,000 requests at once, each a client and an upstream connection.
    const gevent = main("", ["flask", "gevent"]);
    expect(gevent).toContain("worker_connections 10032;");
    expect(gevent).toContain("worker_rlimit_nofile 15096;");
    // gthread and sync hold few requests in gunicorn; nginx still carries 4,096 clients per worker.
    expect(main("")).toContain("worker_connections 8224;");
    const sync = main("workers:\n  class: sync\n");
    expect(sync).toContain("worker_connections 8192;");
    expect(sync).toContain("worker_rlimit_nofile 12352;");
    expect(nginxLimits(planWorkers(project("workers:\n  connections: 100000\n").config, ["gevent"], 4)).clients).toBe(16384);
    // Valid on nginx:stable and Debian's nginx: no user line, both images' paths and includes.
    expect(gevent).not.toMatch(/^\s*user /m);
    expect(gevent).toContain("include /etc/nginx/conf.d/*.conf;");
    expect(gevent).toContain("include /etc/nginx/mime.types;");
    expect(gevent).toContain("pid /run/nginx.pid;");
    expect(gevent).not.toContain("{{");
    // The kernel queues as many connections for nginx as one worker carries (nginx's default: 511).
    const p = project("", ["flask", "gevent"]);
    expect(renderNginxConf(p.config, planWorkers(p.config, ["gevent"], 2), prod)).toContain("listen 80 default_server backlog=5000;");
    expect(composeOf(p, prod).services.nginx!.sysctls).toEqual({ "net.core.somaxconn": 5000 });
    // 1,024 proxied clients fit in one worker, with room to spare.
    for (const conf of [gevent, sync]) expect(Number(/worker_connections (\d+);/.exec(conf)![1])).toBeGreaterThanOrEqual(2 * 1024 * 4);
  });

  it("buffers for sync workers, streams and keeps upstream connections for async ones", () => {
    const sync = conf("workers:\n  class: sync\n");
    expect(sync).toContain("proxy_buffering on;");
    expect(sync).not.toContain("keepalive 32;");
    const gevent = conf("workers:\n  class: gevent\n");
    expect(gevent).toContain("proxy_buffering off;");
    expect(gevent).toContain("keepalive 32;");
  });
});

describe("images", () => {
  it("installs dependencies before copying the code, and runs as a non-root user", () => {
    const p = project("persistent: [instance]\n", ["flask"]);
    const d = renderGunicornDockerfile(p, planWorkers(p.config, ["flask"], 2));
    expect(d).toContain("ARG PYTHON_IMAGE=python:3.12-slim");
    expect(d.indexOf("pip install -r /tmp/fdock/requirements.txt gunicorn")).toBeGreaterThan(0);
    expect(d.indexOf("pip install")).toBeLessThan(d.indexOf("COPY . ."));
    expect(d.indexOf("USER app")).toBeGreaterThan(d.indexOf("COPY . ."));
    expect(d).toContain("chown app:app instance");
    expect(d).toContain('CMD ["python", "-m", "gunicorn", "--config", "/etc/fdock/gunicorn.conf.py"]');
  });

  it("adds gevent to the install when the plan uses it and the project does not list it", () => {
    const p = project("workers:\n  class: gevent\n", ["flask", "gunicorn"]);
    expect(renderGunicornDockerfile(p, planWorkers(p.config, p.requirements.names, 2))).toContain("requirements.txt gevent\n");
  });

  it("keeps .git, virtualenvs, caches, .env and persistent data out of the build context", () => {
    const patterns = parseIgnoreText(renderGunicornDockerignore(project("persistent: [instance]\nenv_file: config/.env.prod\n")));
    for (const path of [".git/HEAD", ".venv/bin/python", "venv/lib/x.py", "blog/__pycache__/x.pyc", ".env", "node_modules/x", "instance/blog.sqlite", "config/.env.prod"]) {
      expect(isIgnored(patterns, path), path).toBe(true);
    }
    expect(isIgnored(patterns, "blog/views.py")).toBe(false);
  });

  it("takes the nginx base image as a parameter", () => {
    const p = project("images:\n  nginx: mirror.local/nginx:stable\nstatic:\n  folder: blog/static\n");
    const d = renderNginxDockerfile(p.config);
    expect(d).toContain("ARG NGINX_IMAGE=mirror.local/nginx:stable");
    expect(d).toContain("COPY blog/static /usr/share/nginx/fdock-static/");
    expect(d).toContain("COPY .fdock/nginx-upstream.conf /etc/nginx/fdock/upstream.conf");
    expect(d).toContain("COPY .fdock/nginx-main.conf /etc/nginx/nginx.conf");
  });

  it("bundles a dependency list for pyproject-only projects", () => {
    const p: Project = { ...project(""), requirements: { kind: "pyproject", path: "pyproject.toml", names: ["flask"], specs: ["Flask>=2.2"] } };
    const bundle = renderBundle(p, planWorkers(p.config, ["flask"], 2), prod);
    expect(bundle["requirements.txt"]).toBe("Flask>=2.2\n");
    expect(bundle["gunicorn.Dockerfile"]).toContain("COPY .fdock/requirements.txt /tmp/fdock/requirements.txt");
    expect(bundle["gunicorn.Dockerfile.dockerignore"]).toContain("!.fdock/requirements.txt");
  });
});
