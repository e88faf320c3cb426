/**
 * The cluster's images through the user's own registry (fdock.yaml `registry:`), instead of copying
 * them to every node: the images built on the manager are tagged REGISTRY-gunicorn:CONTENT_TAG and
 * REGISTRY-nginx:CONTENT_TAG there and pushed from the manager's engine (`docker --context
 * fdock-MANAGER push`: the docker CLI on this computer hands that engine the user's credentials, from
 * `docker login` or a credential helper); the stack is then deployed `--with-registry-auth`, so every
 * node pulls with the same credentials. Only layers the registry lacks are uploaded.
 */
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import { step, type Reporter } from "../../events.js";
import { streamArgv } from "../../exec.js";
import type { RemoteEngine } from "../../machine/remote.js";
import { registryHost } from "../../project/registry-name.js";
import { lastLines, stripAnsi } from "../../stack/compose-project.js";
import { MACHINE_LABEL } from "../swarm-ops.js";
import type { BuiltImage, ClusterImage } from "./images.js";
import { swarmArgv } from "./swarm-argv.js";

/**
 * An image's name in the registry: REGISTRY-gunicorn, not REGISTRY/gunicorn, because Docker Hub takes
 * only two path parts (me/app-gunicorn, never me/app/gunicorn); every registry takes the dash.
 */
export function registryRepo(registry: string, image: ClusterImage): string {
  return `${registry}-${image}`;
}

/** What one push uploaded: the image, its layers, and how many of them the registry did not have yet. */
export interface PushReport {
  ref: string;
  layers: number;
  uploaded: number;
}

/** Counts the layers of `docker push` output and those it uploaded ("Pushed"), the rest being there already ("Layer already exists", "Mounted from"). */
export function pushedLayers(output: string): { layers: number; uploaded: number } {
  const last = new Map<string, string>();
  for (const line of stripAnsi(output).split(/\r?\n/)) {
    const m = /^([0-9a-f]{12}): (Pushed|Layer already exists|Mounted from .*)$/.exec(line.trim());
    if (m) last.set(m[1]!, m[2]!);
  }
  return { layers: last.size, uploaded: [...last.values()].filter((s) => s === "Pushed").length };
}

const REFUSED = /unauthorized|authentication required|no basic auth credentials|denied|status: 40[13]|\b40[13] /i;
const UNTRUSTED = /x509|certificate (signed by unknown|is not valid|has expired)|tls: failed to verify/i;
const UNREACHABLE = /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|server misbehaving|TLS handshake timeout|dial tcp|context deadline exceeded|server gave HTTP response to HTTPS client/i;

/** A refused or failed push, in words, with the next step. Nothing was deployed yet: the running version still serves. */
export function explainPushFailure(output: string, ref: string, registry: string, manager: string): UserError {
  const host = registryHost(registry);
  // docker push says why on its last line ("no basic auth credentials", "dial tcp …: connection refused").
  const said = lastLines(stripAnsi(output).trim(), 1);
  const unchanged = "Nothing was changed on the cluster: the running version (if any) still serves.";
  if (UNTRUSTED.test(output)) {
    return new UserError(
      `Machine "${manager}" does not trust the certificate of the registry ${host}: ${said}`,
      `If ${host} has a certificate from your own CA, put the CA on every node as /etc/docker/certs.d/${host}/ca.crt (no restart needed), then run the command again. ${unchanged}`,
    );
  }
  if (REFUSED.test(output)) {
    return new UserError(
      `The registry ${host} refused to take ${ref}: this computer is not logged in to it, or its credentials are wrong (${said}).`,
      `Run \`docker login ${host}\` on this computer (or set up your credential helper for it) with an account that may push to ${registry}, then run the command again. ${unchanged}`,
    );
  }
  if (UNREACHABLE.test(output)) {
    return new UserError(
      `Machine "${manager}" cannot reach the registry ${host}: ${said}`,
      `Check registry: in fdock.yaml and that ${manager} reaches ${host} (\`fdock machine ssh ${manager} -- curl -sS https://${host}/v2/\` answers, even 401); every node must reach it too. ${unchanged}`,
    );
  }
  return new UserError(`Pushing ${ref} from machine "${manager}" to ${host} failed: ${said}`, `The push's output is above. ${unchanged}`, lastLines(output, 20));
}

/** Tags the built images in the registry's names on the manager and pushes them from there, one after the other. */
export async function pushToRegistry(
  manager: RemoteEngine,
  registry: string,
  images: Record<ClusterImage, BuiltImage>,
  onOutput?: (text: string) => void,
): Promise<{ images: Record<ClusterImage, BuiltImage>; pushed: PushReport[] }> {
  const out = {} as Record<ClusterImage, BuiltImage>;
  const pushed: PushReport[] = [];
  for (const image of ["gunicorn", "nginx"] as const) {
    const { id, ref: local } = images[image];
    const tag = local.split(":").pop()!;
    const repo = registryRepo(registry, image);
    await manager.docker.getImage(id).tag({ repo, tag });
    const ref = `${repo}:${tag}`;
    let result;
    try {
      result = await streamArgv(swarmArgv.push(manager, ref), { env: manager.env, onOutput });
    } catch (e) {
      throw new UserError(`Could not run \`docker push\` (${(e as Error).message}).`, "Install the Docker CLI, and make sure `docker` is on PATH.");
    }
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.exitCode !== 0) throw explainPushFailure(output, ref, registry, manager.name);
    pushed.push({ ref, ...pushedLayers(output) });
    out[image] = { ref, id };
  }
  return { images: out, pushed };
}

/** The deploy's push step: the images to deploy (the registry's references), each push reported. */
export async function pushStep(
  reporter: Reporter,
  manager: RemoteEngine,
  registry: string,
  images: Record<ClusterImage, BuiltImage>,
  onOutput?: (text: string) => void,
): Promise<Record<ClusterImage, BuiltImage>> {
  const done = await step(reporter, "images", `Push the images to ${registry} from ${manager.name} (the nodes pull them)`, () => pushToRegistry(manager, registry, images, onOutput));
  for (const p of done.pushed) {
    reporter.emit({ kind: "info", message: p.uploaded ? `pushed ${p.ref}: ${p.uploaded} of ${p.layers} layers uploaded` : `pushed ${p.ref}: all ${p.layers} layers were in the registry already` });
  }
  return done.images;
}

interface TaskInfo {
  NodeID: string;
  Status: { State: string; Err?: string };
  Spec: { ContainerSpec: { Image: string } };
}
interface NodeInfo {
  ID: string;
  Spec: { Labels?: Record<string, string> };
  Description?: { Hostname?: string };
}

const PULL_FAILED = /No such image|pull access denied|manifest unknown|unauthorized|x509/i;

/**
 * The machines whose tasks of the registry's images were rejected because the image could not be
 * pulled there (Swarm says "No such image" once the node's pull failed), each with Swarm's words. Pure.
 */
export function pullFailuresOf(tasks: TaskInfo[], nodes: NodeInfo[], registry: string): Array<{ machine: string; image: string; error: string }> {
  const machineOf = (id: string) => {
    const n = nodes.find((x) => x.ID === id);
    return n?.Spec.Labels?.[MACHINE_LABEL] ?? n?.Description?.Hostname ?? id;
  };
  const seen = new Map<string, { machine: string; image: string; error: string }>();
  for (const t of tasks) {
    const image = t.Spec.ContainerSpec.Image.split("@")[0]!;
    if (!image.startsWith(`${registry}-`) || !["rejected", "failed"].includes(t.Status.State) || !PULL_FAILED.test(t.Status.Err ?? "")) continue;
    const machine = machineOf(t.NodeID);
    seen.set(`${machine} ${image}`, { machine, image, error: t.Status.Err! });
  }
  return [...seen.values()];
}

/**
 * After a rollout that did not converge: a UserError naming the nodes that could not pull from the
 * registry, or undefined when that is not why (the deploy then reports the app's failure as before).
 */
export async function pullFailure(docker: Docker, services: string[], registry: string): Promise<UserError | undefined> {
  const tasks = (await Promise.all(services.map((s) => docker.listTasks({ filters: { service: [s] } })))).flat() as TaskInfo[];
  const failures = pullFailuresOf(tasks, (await docker.listNodes()) as NodeInfo[], registry);
  if (!failures.length) return undefined;
  const host = registryHost(registry);
  const machines = [...new Set(failures.map((f) => f.machine))];
  return new UserError(
    `Machine${machines.length > 1 ? "s" : ""} ${machines.map((m) => `"${m}"`).join(", ")} could not pull the new images from the registry ${host}, so Swarm could not start them there; the running version (if any) still serves.`,
    `Each node must reach ${host}, trust its certificate (your own CA: /etc/docker/certs.d/${host}/ca.crt on the node) and accept your \`docker login ${host}\` (fdock hands it to the swarm with --with-registry-auth). See the node's own words with \`docker --context fdock-${machines[0]} pull ${failures[0]!.image}\`, fix it, then run the command again.`,
    failures.map((f) => `${f.machine}: ${f.error}`).join("\n"),
  );
}
