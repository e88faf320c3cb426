import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";
import { HealthCheckError, UserError } from "../errors.js";
import { healthRule } from "../project/health.js";
import { renderFrontUpstream } from "../render/front.js";
import { COMPOSE_LABELS, FRONT_UPSTREAM_FILE, NGINX_UPSTREAM_FILE } from "../render/layout.js";
import { renderNginxUpstream } from "../render/nginx-image.js";
import { ComposeFailure, lastLines, stripAnsi } from "./compose-project.js";
import { isPortConflict, portTakenError, workerTraceback } from "./failures.js";
import { DeployInterrupted, stopIfAborted } from "./interrupted.js";
import { clearStrays, findLive, isRunning, nameOf, removeContainer, type Live } from "./live.js";
import type { Stack } from "./prepare.js";
import { hintForFailure, seenInFailure, UnhealthyApp } from "./health-watch.js";
import { currentness, runningContainers, startOrExplain, watchingHealth } from "./start.js";
import { pointUpstream } from "./upstreams.js";

type Container = Docker.ContainerInfo;

/**
 * A production deploy, blue-green whatever changed: the new gunicorn and (when its image or
 * configuration changed) the new nginx start beside the running ones; once both are healthy the
 * new nginx is pointed at the new gunicorn and the front at the new nginx, each by a graceful
 * reload; a second later the old containers stop gracefully and go, and the upstream files go
 * back to the service names. A failure or an abort before the switch removes the new containers
 * and the running version keeps serving.
 *
 * Invariant: nginx and the front are switched only to containers that stay; a container is
 * stopped only once nothing points at it any more; an upstream file goes back to a service name
 * only once that name resolves to the containers that stay. So neither is ever left pointed at a
 * container that is gone, even by a deploy killed half-way (the next one clears what it left).
 */
export async function deployProduction(stack: Stack, signal?: AbortSignal): Promise<void> {
  const live = await findLive(stack);
  await clearStrays(stack, live);
  const current = await currentness(stack);
  if (!live.nginx || !live.gunicorn) {
    // Nothing serves (a first deploy, or a stack missing a service): start in place; on a
    // failure nothing is left behind. A current nginx is kept and reloaded, and so is the front:
    // each resolves the service behind it again.
    await startOrExplain(stack, live.nginx && current(live.nginx, "nginx") ? live.nginx : undefined, signal);
    const fronts = await runningContainers(stack, "front");
    await Promise.all(fronts.map((f) => stack.docker.getContainer(f.Id).kill({ signal: "SIGHUP" })));
    return;
  }
  const change = { gunicorn: !current(live.gunicorn, "gunicorn"), nginx: !current(live.nginx, "nginx") };
  const frontCurrent = live.front !== undefined && current(live.front, "front");
  if (change.gunicorn || change.nginx) await blueGreen(stack, { ...live, nginx: live.nginx, gunicorn: live.gunicorn }, change, signal);
  // The front is recreated only when its own configuration (the published port) changed: the
  // app then moves to the new port. (Without a front, the switch above started it.)
  if (live.front && !frontCurrent) await upFront(stack);
  else if (!live.front && !change.nginx) await upFront(stack);
}

interface Serving extends Live {
  nginx: Container;
  gunicorn: Container;
}

async function blueGreen(stack: Stack, live: Serving, change: { gunicorn: boolean; nginx: boolean }, signal?: AbortSignal): Promise<void> {
  const started: Container[] = [];
  let switched = false;
  let gunicorn = live.gunicorn;
  let nginx = live.nginx;
  try {
    if (change.gunicorn) gunicorn = await startBeside(stack, "gunicorn", live.gunicorn, started);
    stopIfAborted(signal);
    // A new nginx resolves `gunicorn` to the old and the new container when it starts; it
    // serves nothing until it is pointed at the new one below, before the front switches to it.
    if (change.nginx) nginx = await startBeside(stack, "nginx", live.nginx, started);
    stopIfAborted(signal);
    if (change.gunicorn) {
      await pointUpstream(stack.docker, nginx.Id, NGINX_UPSTREAM_FILE, renderNginxUpstream(nameOf(gunicorn)));
      // On a code-only change that reload was the switch.
      switched = !change.nginx;
    }
    if (change.nginx) {
      if (live.front) {
        await pointUpstream(stack.docker, live.front.Id, FRONT_UPSTREAM_FILE, renderFrontUpstream(nameOf(nginx)));
      } else {
        // A stack from before the front (its nginx publishes the port): the port closes for as
        // long as the front takes to start, once.
        switched = true;
        await removeContainer(stack, live.nginx, 0);
        await upFront(stack);
      }
      switched = true;
    }
  } catch (e) {
    if (switched) throw e;
    const explained = await explainNewVersion(stack, e, started);
    await Promise.all(started.map((c) => removeContainer(stack, c, 0)));
    // compose's own wait ends once the containers it waits on are gone.
    if (e instanceof UnhealthyApp) await e.settled();
    if (change.gunicorn && !change.nginx) {
      // The live nginx may have been asked to take the new gunicorn and refused: back to the name.
      await pointUpstream(stack.docker, live.nginx.Id, NGINX_UPSTREAM_FILE, renderNginxUpstream()).catch(() => undefined);
    }
    throw explained;
  }
  // From here the new version serves, and nothing is undone (an abort lets this finish).
  // The front's and nginx's workers from before the reloads finish their requests on the old ones.
  await sleep(1000);
  const grace = stack.plan.timeout + 5;
  await Promise.all([
    change.gunicorn ? removeContainer(stack, live.gunicorn, grace) : undefined,
    change.nginx && live.front ? removeContainer(stack, live.nginx, grace) : undefined,
  ]);
  // Best effort: a file left naming a container that serves is harmless, and the next deploy resets it.
  if (change.gunicorn) await pointUpstream(stack.docker, nginx.Id, NGINX_UPSTREAM_FILE, renderNginxUpstream()).catch(() => undefined);
  if (change.nginx && live.front) await pointUpstream(stack.docker, live.front.Id, FRONT_UPSTREAM_FILE, renderFrontUpstream()).catch(() => undefined);
}

/** Starts a second container of a service beside `old`; `started` gets it even when it fails. */
async function startBeside(stack: Stack, service: "gunicorn" | "nginx", old: Container, started: Container[]): Promise<Container> {
  try {
    // A new gunicorn's health is watched: a definitive failure (404 on the health path, a crash
    // loop) ends the wait at once instead of after compose's start period.
    if (service === "gunicorn") await watchingHealth(stack, () => stack.compose.upBeside(service));
    else await stack.compose.upBeside(service);
  } finally {
    started.push(...(await runningContainers(stack, service, true)).filter((c) => c.Id !== old.Id));
  }
  const fresh = started.find((c) => c.Labels[COMPOSE_LABELS.service] === service && isRunning(c));
  if (!fresh) throw new Error(`compose started no second ${service} container`);
  return fresh;
}

/** Starts the front (or replaces it when its configuration changed), saying so when the port is taken. */
async function upFront(stack: Stack): Promise<void> {
  try {
    await stack.compose.upAlone("front");
  } catch (e) {
    if (isPortConflict(e)) throw portTakenError(stack.target.publish.port);
    throw e;
  }
}

/** What the user is told when the new version did not take over; the running one still serves. */
async function explainNewVersion(stack: Stack, e: unknown, started: Container[]): Promise<unknown> {
  if (e instanceof DeployInterrupted) return new DeployInterrupted("fdock removed the new version before switching to it: the running version still serves.");
  if (!(e instanceof ComposeFailure) && !(e instanceof UnhealthyApp)) {
    return new UserError(
      "The new version could not be switched to, so fdock removed it: the running version still serves.",
      "Run the command again; if it fails the same way, `fdock logs nginx` shows why nginx refused it.",
      (e as Error).message,
    );
  }
  const service = started.some((c) => c.Labels[COMPOSE_LABELS.service] === "nginx") ? "nginx" : "gunicorn";
  const logs = stripAnsi(await stack.compose.logs([service], { tail: 400 }).catch(() => ""));
  // Only the new container's lines: compose prefixes each with its service-number name.
  const prefixes = started.map((c) => nameOf(c).replace(`${stack.project.config.name}-`, ""));
  const own = logs.split("\n").filter((l) => prefixes.some((p) => p && l.startsWith(`${p} `))).join("\n");
  const traceback = service === "gunicorn" ? workerTraceback(own) : null;
  return new HealthCheckError(
    `The new version did not become healthy${seenInFailure(e)}, so fdock removed it: the running version still serves.`,
    hintForFailure(e, healthRule(stack.project.config)) ??
      `Its output is above: an import error or a failing ${stack.project.config.health.path} is the usual cause. Fix it and run the command again.`,
    traceback ? `gunicorn could not load the app:\n${traceback}` : lastLines(own || logs, 40) || (e instanceof ComposeFailure ? lastLines(e.output, 20) : ""),
  );
}
