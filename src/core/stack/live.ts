import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";
import { renderFrontUpstream } from "../render/front.js";
import { COMPOSE_LABELS, FRONT_UPSTREAM_FILE, NGINX_UPSTREAM_FILE } from "../render/layout.js";
import { renderNginxUpstream } from "../render/nginx-image.js";
import type { Stack } from "./prepare.js";
import { runningContainers } from "./start.js";
import { pointUpstream, upstreamNames } from "./upstreams.js";

type Container = Docker.ContainerInfo;

/** A container's name, without the leading slash the engine gives it. */
export const nameOf = (c: Container): string => (c.Names[0] ?? "").replace(/^\//, "");
export const isRunning = (c: Container): boolean => c.State === "running";

/** Earliest created first (then by compose's container number). */
function byAge(a: Container, b: Container): number {
  const number = (c: Container) => Number(c.Labels[COMPOSE_LABELS.containerNumber] ?? 0);
  return a.Created - b.Created || number(a) - number(b);
}

/** The containers that serve a production stack, and the others (left by an interrupted deploy). */
export interface Live {
  front?: Container;
  nginx?: Container;
  gunicorn?: Container;
  /** Containers of the project's services that nothing serving points at. */
  strays: Container[];
}

/**
 * Which containers serve: the front (there is one), the nginx the front's upstream file names,
 * the gunicorn that nginx's file names. A file that names the service (`nginx`, `gunicorn`) was
 * last loaded when only one such container existed (fdock resets it to the service name only
 * once the others are gone), and newer ones came later: then the oldest is the one that serves.
 */
export async function findLive(stack: Stack): Promise<Live> {
  const [fronts, nginxes, gunicorns] = await Promise.all([
    runningContainers(stack, "front", true),
    runningContainers(stack, "nginx", true),
    runningContainers(stack, "gunicorn", true),
  ]);
  const front = fronts.filter(isRunning).sort(byAge)[0];
  const nginx = await pointedAt(stack, front, FRONT_UPSTREAM_FILE, nginxes.filter(isRunning));
  const gunicorn = await pointedAt(stack, nginx, NGINX_UPSTREAM_FILE, gunicorns.filter(isRunning));
  const serving = new Set([front, nginx, gunicorn].filter((c) => c !== undefined).map((c) => c.Id));
  return { front, nginx, gunicorn, strays: [...fronts, ...nginxes, ...gunicorns].filter((c) => !serving.has(c.Id)) };
}

async function pointedAt(stack: Stack, proxy: Container | undefined, file: string, candidates: Container[]): Promise<Container | undefined> {
  const sorted = [...candidates].sort(byAge);
  if (sorted.length <= 1 || !proxy) return sorted[0];
  for (const c of sorted) {
    if (await upstreamNames(stack.docker, proxy.Id, file, nameOf(c)).catch(() => false)) return c;
  }
  return sorted[0];
}

/**
 * What a deploy that was killed (SIGKILL, a lost connection) left: its new containers that never
 * took over, or the old ones it had not removed yet. They are removed and the upstream files go
 * back to the service names, which then name only the containers that serve.
 */
export async function clearStrays(stack: Stack, live: Live): Promise<void> {
  await Promise.all(live.strays.map((c) => removeContainer(stack, c, 0)));
  if (live.front && live.nginx && !(await upstreamNames(stack.docker, live.front.Id, FRONT_UPSTREAM_FILE, "nginx"))) {
    await pointUpstream(stack.docker, live.front.Id, FRONT_UPSTREAM_FILE, renderFrontUpstream());
  }
  if (live.nginx && live.gunicorn && !(await upstreamNames(stack.docker, live.nginx.Id, NGINX_UPSTREAM_FILE, "gunicorn"))) {
    await pointUpstream(stack.docker, live.nginx.Id, NGINX_UPSTREAM_FILE, renderNginxUpstream());
  }
}

/**
 * Stops a container gracefully (nginx: SIGQUIT, it finishes its requests; gunicorn: its stop
 * signal, it finishes within its timeout) and removes it. Errors are ignored: it may be gone.
 */
export async function removeContainer(stack: Stack, c: Container, graceSeconds: number): Promise<void> {
  const container = stack.docker.getContainer(c.Id);
  if (graceSeconds > 0 && isRunning(c)) {
    if (c.Labels[COMPOSE_LABELS.service] === "gunicorn") {
      await container.stop({ t: graceSeconds }).catch(() => undefined);
    } else {
      // nginx's graceful shutdown is SIGQUIT (SIGTERM, docker stop's default, cuts requests).
      const timer = new AbortController();
      await container.kill({ signal: "SIGQUIT" }).catch(() => undefined);
      await Promise.race([container.wait().catch(() => undefined), sleep(graceSeconds * 1000, undefined, { signal: timer.signal }).catch(() => undefined)]);
      timer.abort();
    }
  }
  await container.remove({ force: true }).catch(() => undefined);
}
