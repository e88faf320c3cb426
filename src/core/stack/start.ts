import type Docker from "dockerode";
import { HealthCheckError, UserError } from "../errors.js";
import { healthRule } from "../project/health.js";
import { imageName } from "../render/compose.js";
import { ComposeFailure, lastLines } from "./compose-project.js";
import { isPortConflict, portTakenError, unreadableSource, workerTraceback } from "./failures.js";
import { DeployInterrupted, stopIfAborted } from "./interrupted.js";
import { hintForFailure, seenInFailure, UnhealthyApp, waitWatchingHealth } from "./health-watch.js";
import type { Stack } from "./prepare.js";
import { COMPOSE_LABELS } from "../render/layout.js";

/**
 * This project's containers of one service, running ones only unless `all`, asked of the engine
 * directly (compose ps is slower).
 */
export function runningContainers(stack: Stack, service: "gunicorn" | "nginx" | "front", all = false): Promise<Docker.ContainerInfo[]> {
  const label = [`${COMPOSE_LABELS.project}=${stack.project.config.name}`, `${COMPOSE_LABELS.service}=${service}`];
  return stack.docker.listContainers({ all, filters: all ? { label } : { label, status: ["running"] } });
}

const healthy = (c: Docker.ContainerInfo) => /\(healthy\)/.test(c.Status);

/**
 * Starts the development stack in place and waits until it is healthy; a current nginx is only
 * reloaded. When nothing changed, nothing is touched. (Production: blue-green.ts.)
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
  return startOrExplain(stack, nginx);
}

/**
 * Whether a running container is healthy and is what compose would make now: the image just
 * built and the configuration compose labels it with. Such an nginx is only reloaded on a
 * redeploy; such a gunicorn is left as it is.
 */
export async function currentness(stack: Stack): Promise<(c: Docker.ContainerInfo, service: "gunicorn" | "nginx" | "front") => boolean> {
  const imageId = (service: "gunicorn" | "nginx") =>
    stack.docker.getImage(imageName(stack.project, service)).inspect().then((i) => i.Id, () => "");
  const [hashes, gunicornImage, nginxImage] = await Promise.all([stack.compose.configHashes(), imageId("gunicorn"), imageId("nginx")]);
  const images = { gunicorn: gunicornImage, nginx: nginxImage };
  return (c, service) => {
    const hash = hashes.get(service);
    // The front is recreated only when its own configuration (its published port) changed.
    if (service === "front") return healthy(c) && !!hash && c.Labels[COMPOSE_LABELS.configHash] === hash;
    return healthy(c) && !!hash && !!images[service] && c.Labels[COMPOSE_LABELS.configHash] === hash && c.ImageID === images[service];
  };
}

/**
 * SIGHUP to nginx's master: it loads its configuration again, resolving `gunicorn` to the
 * addresses of the containers that now have that name; requests in flight finish. Through the
 * engine API, which works the same on a machine and starts no docker CLI process.
 */
function reloadNginx(stack: Stack, nginx: Docker.ContainerInfo): Promise<unknown> {
  return stack.docker.getContainer(nginx.Id).kill({ signal: "SIGHUP" });
}

/**
 * Starts the services in place, in order, each once the one before is healthy (production: the
 * front last). If one fails, everything is removed again (named volumes are kept): used where
 * nothing serves yet.
 */
export async function startOrExplain(stack: Stack, nginx: Docker.ContainerInfo | undefined, signal?: AbortSignal): Promise<void> {
  try {
    await watchingHealth(stack, () => stack.compose.upGunicorn());
    stopIfAborted(signal);
    if (nginx) await reloadNginx(stack, nginx);
    else await stack.compose.upNginx();
    stopIfAborted(signal);
    if (stack.target.mode === "production") await stack.compose.upAlone("front");
  } catch (e) {
    if (e instanceof DeployInterrupted) {
      await stack.compose.down(false).catch(() => undefined);
      throw e;
    }
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
export async function watchingHealth<T>(stack: Stack, wait: () => Promise<T>): Promise<T> {
  const existing = await runningContainers(stack, "gunicorn", true);
  const rule = healthRule(stack.project.config);
  const exclude = new Set(existing.map((c) => c.Id));
  return waitWatchingHealth({ docker: stack.docker, project: stack.project.config.name, service: "gunicorn", rule, exclude }, wait);
}
