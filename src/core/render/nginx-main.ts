import type { WorkerPlan } from "../project/workers.js";
import { renderTemplate } from "./templates.js";

/**
 * Clients each nginx worker process is sized for at least. Connections are not spread evenly over
 * nginx's workers (the first to wake accepts them), so each worker is sized for all the clients,
 * with 4x headroom over the 1,024 concurrent clients fdock is tested with.
 */
export const MIN_CLIENTS = 4096;
/** Idle upstream connections each nginx worker keeps to gunicorn (default.conf.tmpl's `keepalive`). */
export const UPSTREAM_KEEPALIVE = 32;

/** Clients per nginx worker at most, however large gunicorn's capacity: keeps the limits under engines' hard nofile limits. */
export const MAX_CLIENTS = 16384;

/** nginx's connection and open-file limits for a worker plan. */
export interface NginxLimits {
  /** Concurrent clients one nginx worker can carry. */
  clients: number;
  /** events.worker_connections: each proxied client holds two (client + upstream), plus idle upstream ones. */
  workerConnections: number;
  /**
   * worker_rlimit_nofile: every connection is an open file, and a client may hold a third (a
   * static file being sent, a buffered response's temp file), plus a few for logs and listeners.
   * nginx's workers raise their own limit to it, up to the engine's hard limit (1,048,576 on Docker
   * 20.10, 524,288 from Docker 25, whose soft limit of 1,024 would otherwise stop nginx at about
   * 500 clients).
   */
  nofile: number;
}

/** Requests gunicorn serves at once under this plan. */
export function gunicornCapacity(plan: WorkerPlan): number {
  const perWorker = plan.workerClass === "gevent" ? plan.connections : plan.workerClass === "gthread" ? plan.threads : 1;
  return plan.workers * perWorker;
}

/**
 * Sized for the worker model: at least MIN_CLIENTS, and every request gunicorn can hold at once
 * (5 gevent workers x 1000 connections: 5,000), up to MAX_CLIENTS. Pure.
 */
export function nginxLimits(plan: WorkerPlan): NginxLimits {
  const clients = Math.min(MAX_CLIENTS, Math.max(MIN_CLIENTS, gunicornCapacity(plan)));
  const keepalive = plan.workerClass === "sync" ? 0 : UPSTREAM_KEEPALIVE;
  return { clients, workerConnections: 2 * clients + keepalive, nofile: 3 * clients + keepalive + 64 };
}

/** /etc/nginx/nginx.conf for a worker plan. */
export function renderNginxMainConf(plan: WorkerPlan): string {
  const limits = nginxLimits(plan);
  const capacity = gunicornCapacity(plan);
  return renderTemplate("images/nginx/nginx.conf.tmpl", {
    worker_connections: limits.workerConnections,
    worker_rlimit_nofile: limits.nofile,
    connections_reason: `${limits.clients} clients per worker (gunicorn holds ${capacity} requests at once: ${plan.workers} ${plan.workerClass} workers), each a client and an upstream connection${plan.workerClass === "sync" ? "" : `, + ${UPSTREAM_KEEPALIVE} idle upstream`}.`,
    rlimit_reason: "Open files per worker: a client's two connections and a static or temp file, + logs and listeners. The engine's soft limit can be 1024.",
  });
}
