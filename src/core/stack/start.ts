import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";
import { HealthCheckError, UserError } from "../errors.js";
import { healthRule } from "../project/health.js";
import { imageName } from "../render/compose.js";
import { renderNginxUpstream } from "../render/nginx-image.js";
import { ComposeFailure, lastLines, stripAnsi } from "./compose-project.js";
import { isPortConflict, portTakenError, unreadableSource, workerTraceback } from "./failures.js";
import { hintForFailure, seenInFailure, UnhealthyApp, waitWatchingHealth } from "./health-watch.js";
import type { Stack } from "./prepare.js";

/**
 * This project's containers of one service, running ones only unless `all`, asked of the engine
 * directly (compose ps is slower).
 */
export function runningContainers(stack: Stack, service: "gunicorn" | "nginx", all = false): Promise<Docker.ContainerInfo[]> {
  const label = [`com.docker.compose.project=${stack.project.config.name}`, `com.docker.compose.service=${service}`];
  return stack.docker.listContainers({ all, filters: all ? { label } : { label, status: ["running"] } });
}

const healthy = (c: Docker.ContainerInfo) => /\(healthy\)/.test(c.Status);

/**
 * Starts the stack and waits until it is healthy. When a production stack already serves (one
 * healthy gunicorn behind a current nginx), the new gunicorn starts beside the old one and takes
 * over before the old one stops, so a redeploy has no gap; a new version that never becomes
 * healthy is removed and the old one keeps serving. When nothing changed, nothing is touched.
 */
export async function startStack(stack: Stack): Promise<void> {
  const [gunicorns, nginxes, current] = await Promise.all([
    runningContainers(stack, "gunicorn"),
    runningContainers(stack, "nginx"),
    currentness(stack).catch(() => () => false),
  ]);
  const nginx = nginxes.length === 1 && current(nginxes[0]!, "nginx") ? nginxes[0] : undefined;
  const old = gunicorns.length === 1 && healthy(gunicorns[0]!) ? gunicorns[0] : undefined;
  if (old && nginx && current(old, "gunicorn")) return;
  if (stack.target.mode === "production" && old && nginx) return replaceGunicorn(stack, old, nginx);
  return startOrExplain(stack, nginx);
}

/**
 * Whether a running container is healthy and is what compose would make now: the image just
 * built and the configuration compose labels it with. Such an nginx is only reloaded on a
 * redeploy; such a gunicorn is left as it is.
 */
async function currentness(stack: Stack): Promise<(c: Docker.ContainerInfo, service: "gunicorn" | "nginx") => boolean> {
  const imageId = (service: "gunicorn" | "nginx") =>
    stack.docker.getImage(imageName(stack.project, service)).inspect().then((i) => i.Id, () => "");
  const [hashes, gunicornImage, nginxImage] = await Promise.all([stack.compose.configHashes(), imageId("gunicorn"), imageId("nginx")]);
  const images = { gunicorn: gunicornImage, nginx: nginxImage };
  return (c, service) => {
    const hash = hashes.get(service);
    return healthy(c) && !!hash && !!images[service] && c.Labels["com.docker.compose.config-hash"] === hash && c.ImageID === images[service];
  };
}

/**
 * SIGHUP to nginx's master: it loads its configuration again, resolving `gunicorn` to the
 * addresses of the containers that now have that name; requests in flight finish. Through the
 * engine API: a compose call costs the npm docker-compose package's fixed 0.5 s wait.
 */
function reloadNginx(stack: Stack, nginx: Docker.ContainerInfo): Promise<unknown> {
  return stack.docker.getContainer(nginx.Id).kill({ signal: "SIGHUP" });
}

/**
 * The old gunicorn serves until the new one is healthy; then nginx sends every new request to
 * the new one, the old one finishes what it has and stops, and nginx goes back to asking
 * Docker's DNS for `gunicorn` (which now names the new container only).
 */
async function replaceGunicorn(stack: Stack, old: Docker.ContainerInfo, nginx: Docker.ContainerInfo): Promise<void> {
  try {
    await watchingHealth(stack, () => stack.compose.upGunicornBeside());
  } catch (e) {
    if (!(e instanceof ComposeFailure) && !(e instanceof UnhealthyApp)) throw e;
    const fresh = (await runningContainers(stack, "gunicorn", true)).filter((c) => c.Id !== old.Id);
    const logs = stripAnsi(await stack.compose.logs(["gunicorn"], { tail: 400 }).catch(() => ""));
    // Only the new container's lines: compose prefixes each with its service-number name.
    const prefixes = fresh.map((c) => (c.Names[0] ?? "").replace(/^\/?/, "").replace(`${stack.project.config.name}-`, ""));
    const own = logs.split("\n").filter((l) => prefixes.some((p) => p && l.startsWith(`${p} `))).join("\n");
    await Promise.all(fresh.map((c) => stack.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    if (e instanceof UnhealthyApp) await e.settled();
    const traceback = workerTraceback(own);
    throw new HealthCheckError(
      `The new version did not become healthy${seenInFailure(e)}, so fdock removed it: the running version still serves.`,
      hintForFailure(e, healthRule(stack.project.config)) ??
        `Its output is above: an import error or a failing ${stack.project.config.health.path} is the usual cause. Fix it and run the command again.`,
      traceback ? `gunicorn could not load the app:\n${traceback}` : lastLines(own || logs, 40) || (e instanceof ComposeFailure ? lastLines(e.output, 20) : ""),
    );
  }
  const next = (await runningContainers(stack, "gunicorn")).find((c) => c.Id !== old.Id);
  const address = next ? internalAddress(stack, next) : undefined;
  try {
    // Without the new container's address (not seen on the internal network), nginx is reloaded
    // with both containers by name: no request is lost while the old one stops gracefully, but
    // one sent to it after it is gone may wait for proxy_connect_timeout.
    if (address) await setNginxUpstream(stack, nginx, renderNginxUpstream(address));
    else await reloadNginx(stack, nginx);
    // nginx's workers from before the reload finish their requests on the old gunicorn.
    await sleep(1000);
    const previous = stack.docker.getContainer(old.Id);
    await previous.stop({ t: stack.plan.timeout + 5 }).catch(() => undefined);
    await previous.remove({ force: true }).catch(() => undefined);
  } finally {
    await setNginxUpstream(stack, nginx, renderNginxUpstream());
  }
}

/**
 * Replaces nginx's upstream servers with `upstream` (a line from renderNginxUpstream) and reloads
 * nginx gracefully: requests in flight finish on the servers they started on. A detached exec
 * through the engine API: no stream to attach (which works the same over SSH), and none of the
 * npm docker-compose package's fixed 0.5 s wait per compose command.
 */
async function setNginxUpstream(stack: Stack, nginx: Docker.ContainerInfo, upstream: string): Promise<void> {
  const exec = await stack.docker.getContainer(nginx.Id).exec({
    Cmd: ["sh", "-c", 'printf "%s" "$FDOCK_UPSTREAM" > /etc/nginx/fdock/upstream.conf && nginx -s reload'],
    Env: [`FDOCK_UPSTREAM=${upstream}`],
  });
  // dockerode hands back the response as a stream even when detached: left open, it would keep
  // this process alive after the deploy.
  const stream = (await exec.start({ Detach: true })) as unknown as { destroy?: () => void } | undefined;
  stream?.destroy?.();
  for (let i = 0; i < 100; i++) {
    const state = (await exec.inspect()) as { Running: boolean; ExitCode: number | null };
    if (!state.Running && state.ExitCode !== null) {
      if (state.ExitCode !== 0) throw new Error(`nginx did not take its new upstream (${upstream.trim()}): exit ${state.ExitCode}`);
      return;
    }
    await sleep(50);
  }
  throw new Error(`nginx did not take its new upstream (${upstream.trim()}) within 5 s`);
}

/** A container's IPv4 address on the project's internal network (the one nginx reaches it on). */
function internalAddress(stack: Stack, c: Docker.ContainerInfo): string | undefined {
  const networks = c.NetworkSettings?.Networks ?? {};
  const ip = networks[`${stack.project.config.name}_internal`]?.IPAddress;
  return ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined;
}

async function startOrExplain(stack: Stack, nginx: Docker.ContainerInfo | undefined): Promise<void> {
  try {
    await watchingHealth(stack, () => stack.compose.upGunicorn());
    if (nginx) await reloadNginx(stack, nginx);
    else await stack.compose.upNginx();
  } catch (e) {
    if (!(e instanceof ComposeFailure) && !(e instanceof UnhealthyApp)) throw e;
    if (isPortConflict(e)) throw portTakenError(stack.target.publish.port);
    const gunicornLogs = await stack.compose.logs(["gunicorn"], { tail: 400 }).catch(() => "");
    const nginxLogs = await stack.compose.logs(["nginx"], { tail: 20 }).catch(() => "");
    const traceback = workerTraceback(gunicornLogs);
    const logs = [traceback ? `gunicorn could not load the app:\n${traceback}` : lastLines(gunicornLogs, 40), lastLines(nginxLogs, 20)]
      .filter((l) => l.trim())
      .join("\n\n");
    // Leave nothing half-started; named volumes (the app's data) are kept.
    await stack.compose.down(false).catch(() => undefined);
    if (e instanceof UnhealthyApp) await e.settled();
    const unreadable = stack.target.mode === "development" ? unreadableSource(stack.project.dir, gunicornLogs, stack.target.devUser) : null;
    if (unreadable) throw new UserError(unreadable.message, unreadable.hint, logs || (e instanceof ComposeFailure ? lastLines(e.output, 20) : ""));
    throw new HealthCheckError(
      `The app did not become healthy${seenInFailure(e)}, so fdock stopped the stack again.`,
      hintForFailure(e, healthRule(stack.project.config)) ??
        `The services' output is above: an import error or a failing ${stack.project.config.health.path} is the usual cause. Fix it and run the command again.`,
      logs || (e instanceof ComposeFailure ? lastLines(e.output, 20) : ""),
    );
  }
}

/**
 * Runs a compose wait for gunicorn while src/core/stack/health-watch.ts watches the containers it
 * starts (not the ones already there): a definitive failure ends the wait at once (UnhealthyApp).
 */
async function watchingHealth<T>(stack: Stack, wait: () => Promise<T>): Promise<T> {
  const existing = await runningContainers(stack, "gunicorn", true);
  const rule = healthRule(stack.project.config);
  const exclude = new Set(existing.map((c) => c.Id));
  return waitWatchingHealth({ docker: stack.docker, project: stack.project.config.name, service: "gunicorn", rule, exclude }, wait);
}
