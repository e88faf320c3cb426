import type { ProjectConfig } from "../project/model.js";
import type { WorkerPlan } from "../project/workers.js";
import { nginxLimits, UPSTREAM_KEEPALIVE } from "./nginx-main.js";
import type { Target } from "./target.js";
import { renderFragment, renderTemplate } from "./templates.js";

/**
 * The static folder's location block, or "". Its template starts with a blank line and ends with
 * a newline, so that the block stands apart from its neighbours only when it is there.
 */
function staticLocation(config: ProjectConfig, target: Target): string {
  if (!config.static) return "";
  const dev = target.mode === "development";
  return renderTemplate("images/nginx/static-location.conf.tmpl", {
    url: config.static.url.replace(/\/+$/, ""),
    expires: dev ? "off" : "7d",
    cache_control: dev ? "no-cache" : "public",
  });
}

/**
 * The default server's listen options. backlog: connections the kernel queues for nginx to accept
 * (nginx's default is 511): 1,024 clients arriving at once overflowed it, and each dropped SYN
 * cost its client a retransmit 1 to 3 s later. nginx takes it once per address, on one server.
 */
function defaultListen(plan: WorkerPlan): string {
  return `default_server backlog=${nginxLimits(plan).clients}`;
}

/**
 * With server names: a catch-all server that answers no other host name, then (redirect_www) a
 * server per name that redirects www.<name> to it; each block followed by a blank line.
 */
function extraServers(config: ProjectConfig, plan: WorkerPlan, target: Target): string {
  const names = config.server.names;
  if (names.length === 0) return "";
  const blocks = [renderFragment("images/nginx/catch-all-server.conf.tmpl", { listen_flags: defaultListen(plan) })];
  if (config.server.redirect_www) {
    for (const name of names.filter((n) => !n.startsWith("www.") && !n.startsWith("*."))) {
      blocks.push(renderFragment("images/nginx/www-redirect-server.conf.tmpl", { name, forwarded_proto: forwardedProto(target) }));
    }
  }
  return blocks.join("\n\n") + "\n";
}

/**
 * Production: behind the front, the client's address comes from the front's X-Real-IP, believed
 * only from private (Docker network) addresses. A client's own X-Forwarded-For is still not.
 */
function realIp(target: Target): string {
  return target.mode === "production" && !target.swarm ? renderFragment("images/nginx/real-ip.conf.tmpl") : "";
}

/**
 * The scheme the client used. Behind the edge, the edge's X-Forwarded-Proto (https with TLS),
 * passed on by the front; believed because nothing else reaches this nginx in production.
 * Otherwise nginx's own: a client's X-Forwarded-Proto is never believed.
 */
function forwardedProto(target: Target): string {
  return target.edge ? "$http_x_forwarded_proto" : "$scheme";
}

/** gthread and gevent workers keep upstream connections open for nginx to reuse; sync ones do not. */
function upstreamKeepalive(plan: WorkerPlan): string {
  return plan.workerClass === "sync" ? "" : renderFragment("images/nginx/upstream-keepalive.conf.tmpl", { keepalive: UPSTREAM_KEEPALIVE });
}

/** How long nginx keeps Docker DNS's answer for gunicorn's tasks on a Swarm cluster: shorter than the 2 s Swarm waits between taking a task out of DNS and stopping it. */
export const SWARM_DNS_VALID = "1s";

/**
 * Where nginx sends requests: the `app` upstream (gunicorn by name, or one container during a
 * redeploy), or on a Swarm cluster gunicorn's tasks by DNS, asked again as they move.
 */
function upstream(plan: WorkerPlan, target: Target): { upstream: string; proxy_pass: string } {
  if (target.swarm) {
    return { upstream: renderFragment("images/nginx/swarm-upstream.conf.tmpl", { dns_valid: SWARM_DNS_VALID, gunicorn_host: "tasks.gunicorn" }), proxy_pass: "http://$fdock_gunicorn" };
  }
  return { upstream: renderFragment("images/nginx/app-upstream.conf.tmpl", { upstream_keepalive: upstreamKeepalive(plan) }), proxy_pass: "http://app" };
}

/** The app nginx's server configuration (conf.d/default.conf). */
export function renderNginxConf(config: ProjectConfig, plan: WorkerPlan, target: Target): string {
  const sync = plan.workerClass === "sync";
  return renderTemplate("images/nginx/default.conf.tmpl", {
    real_ip: realIp(target),
    ...upstream(plan, target),
    extra_servers: extraServers(config, plan, target),
    forwarded_proto: forwardedProto(target),
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
  return renderTemplate("images/nginx/Dockerfile.tmpl", {
    nginx_image: config.images.nginx,
    static_steps: config.static ? renderFragment("images/nginx/static-copy.tmpl", { folder: config.static.folder }) : "",
  });
}

/**
 * The servers of the app nginx's upstream (NGINX_UPSTREAM_FILE): the gunicorn service by name,
 * or one gunicorn container during a redeploy.
 */
export function renderNginxUpstream(host = "gunicorn"): string {
  return renderTemplate("images/nginx/upstream.conf.tmpl", { host });
}
