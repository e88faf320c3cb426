import type { ProjectConfig } from "../project/model.js";
import type { WorkerPlan } from "../project/workers.js";
import { nginxLimits } from "./nginx-main.js";
import type { Target } from "./target.js";
import { fill, readAsset } from "./templates.js";

export const STATIC_ROOT = "/usr/share/nginx/fdock-static";

function staticLocation(config: ProjectConfig, target: Target): string {
  if (!config.static) return "";
  const url = config.static.url.replace(/\/+$/, "");
  const caching =
    target.mode === "development"
      ? "        expires off;\n        add_header Cache-Control \"no-cache\";"
      : "        expires 7d;\n        add_header Cache-Control \"public\";";
  return [
    "",
    "    # Static files straight from nginx: gunicorn never sees these requests.",
    `    location ${url}/ {`,
    `        alias ${STATIC_ROOT}/;`,
    caching,
    "    }",
    "",
  ].join("\n");
}

/**
 * The default server's listen options. backlog: connections the kernel queues for nginx to accept
 * (nginx's default is 511): 1,024 clients arriving at once overflowed it, and each dropped SYN
 * cost its client a retransmit 1 to 3 s later. nginx takes it once per address, on one server.
 */
function defaultListen(plan: WorkerPlan): string {
  return `default_server backlog=${nginxLimits(plan).clients}`;
}

function extraServers(config: ProjectConfig, plan: WorkerPlan): string {
  const names = config.server.names;
  if (names.length === 0) return "";
  const blocks = [
    "",
    "# Requests for any other host name get no answer at all.",
    "server {",
    `    listen 80 ${defaultListen(plan)};`,
    "    server_name _;",
    "    server_tokens off;",
    "    return 444;",
    "}",
  ];
  if (config.server.redirect_www) {
    for (const name of names.filter((n) => !n.startsWith("www.") && !n.startsWith("*."))) {
      blocks.push("", `server {`, `    listen 80;`, `    server_name www.${name};`, `    server_tokens off;`, `    return 301 $scheme://${name}$request_uri;`, `}`);
    }
  }
  return blocks.join("\n");
}

/**
 * Production: behind the front, the client's address comes from the front's X-Real-IP, believed
 * only from private (Docker network) addresses. A client's own X-Forwarded-For is still not.
 */
function realIp(target: Target): string {
  if (target.mode !== "production") return "";
  return [
    "    # Behind fdock's front (the only container that reaches this one): the client's address",
    "    # is its X-Real-IP, believed from Docker's private ranges only.",
    ...["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((range) => `    set_real_ip_from ${range};`),
    "    real_ip_header X-Real-IP;",
  ].join("\n");
}

export function renderNginxConf(config: ProjectConfig, plan: WorkerPlan, target: Target): string {
  const sync = plan.workerClass === "sync";
  return fill(readAsset("images/nginx/default.conf.tmpl"), {
    real_ip: realIp(target),
    upstream_keepalive: sync ? "" : "    # gthread and gevent workers keep connections open: reuse them. Idle ones close after 1 s,\n    # before gunicorn's 2 s, and so that a stopping gevent worker (which waits for them) stops soon.\n    keepalive 32;\n    keepalive_timeout 1s;",
    extra_servers: extraServers(config, plan),
    listen_flags: config.server.names.length ? "" : ` ${defaultListen(plan)}`,
    server_names: config.server.names.length ? config.server.names.join(" ") : "_",
    client_max_body_size: config.server.client_max_body_size,
    static_location: staticLocation(config, target),
    proxy_timeout: plan.timeout + 5,
    proxy_buffering: sync ? "on" : "off",
    buffering_reason: sync
      ? "sync workers: nginx buffers responses so a slow client never holds a worker"
      : `${plan.workerClass} workers hold slow clients cheaply: stream responses as they come`,
  });
}

export function renderNginxDockerfile(config: ProjectConfig): string {
  return fill(readAsset("images/nginx/Dockerfile.tmpl"), {
    nginx_image: config.images.nginx,
    static_steps: config.static ? `COPY ${config.static.folder} ${STATIC_ROOT}/` : "",
  });
}

/**
 * The servers of nginx's upstream, a file of its own so that a redeploy can point nginx at one
 * container's address and back (src/core/stack/start.ts) without rebuilding the image.
 */
export const NGINX_UPSTREAM_FILE = "/etc/nginx/fdock/upstream.conf";

export function renderNginxUpstream(host = "gunicorn"): string {
  return `server ${host}:8000 fail_timeout=0;\n`;
}
