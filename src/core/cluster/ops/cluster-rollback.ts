/**
 * `fdock rollback [RELEASE] --remote CLUSTER`: a recorded release deployed again, with no build. Its
 * images go to the nodes lacking them (copied from a node that has them, as a deploy copies),
 * its stack file is deployed again by `docker stack deploy`, and the same rollout watch and
 * health gate as `fdock up` follow: gunicorn's tasks are replaced start-first, each healthy
 * before an old one stops, and a target that does not get healthy is rolled back by Swarm
 * (exit 4, the version that served still serving). The release command is not run again.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { UserError } from "../../errors.js";
import { step, type Reporter } from "../../events.js";
import type { RemoteEngine } from "../../machine/remote.js";
import { loadProject } from "../../project/config-file.js";
import { bundleDir } from "../../stack/bundle-files.js";
import { ComposeFailure, lastLines, runCompose } from "../../stack/compose-project.js";
import { acquireDeployLock } from "../../stack/deploy-lock.js";
import { stopIfAborted } from "../../stack/interrupted.js";
import { chooseRelease, type RollbackResult } from "../../stack/rollback.js";
import { watchOldTasks, watchRollout } from "../deploy/converge.js";
import { checkEveryNode } from "../deploy/serve-nodes.js";
import { distributeImages, type BuiltImage } from "../deploy/images.js";
import { SWARM_FILE, swarmArgv } from "../deploy/swarm-argv.js";
import { listClusterReleases, releaseStackFile, type ClusterRelease } from "./cluster-releases.js";
import { closeEngine, reachManager, reachMembers } from "./reach-cluster.js";
import { rolloutFailure } from "./rollout-failure.js";

export interface ClusterRollbackRequest {
  dir: string;
  cluster: string;
  env: NodeJS.ProcessEnv;
  onOutput?: (text: string) => void;
}

/** nginx's published port in a stack file (80 when it names none). */
export function stackPort(stackFile: string): number {
  const stack = parse(stackFile) as { services?: { nginx?: { ports?: Array<{ published?: number | string }> } } };
  return Number(stack.services?.nginx?.ports?.[0]?.published ?? 80);
}

/** The release's images, copied to each node that lacks them from a node that has them; a UserError when none has one. */
async function spreadImages(nodes: RemoteEngine[], release: ClusterRelease): Promise<string[]> {
  const lines: string[] = [];
  for (const kind of ["gunicorn", "nginx"] as const) {
    const image: BuiltImage = { ref: release.refs[kind], id: release.images[kind] };
    const has = await Promise.all(nodes.map((n) => n.docker.getImage(image.ref).inspect().then((i) => i.Id === image.id, () => false)));
    const source = nodes[has.indexOf(true)];
    if (!source) throw new UserError(`Release ${release.id}'s ${kind} image (${image.ref}) is on no node of the cluster anymore.`, "Deploy that code again with `fdock up --remote CLUSTER`, or roll back to another release (`fdock releases --remote CLUSTER`).");
    const copies = await distributeImages(source, nodes.filter((_, i) => !has[i]), [image]);
    for (const c of copies) lines.push(`${c.machine}: copied ${c.copied.join(", ")} from ${source.name} (${(c.bytes / 1e6).toFixed(1)} MB)`);
  }
  return lines;
}

/** Rolls the app on the cluster back to a release (default: the one before the serving one). */
export async function rollbackCluster(req: ClusterRollbackRequest, reporter: Reporter, id: string | undefined, signal?: AbortSignal): Promise<RollbackResult> {
  const project = loadProject(req.dir, req.env);
  const stack = project.config.name;
  const reached = await reachManager(req.cluster, req.env);
  const { cluster, manager } = reached;
  let nodes: RemoteEngine[] = [manager];
  try {
    const target = chooseRelease(await listClusterReleases(manager.docker, stack), id, `cluster ${cluster.name}`) as ClusterRelease;
    const members = await step(reporter, "nodes", `Reach the ${cluster.managers.length + cluster.workers.length} nodes of cluster ${cluster.name}`, async () => {
      const found = await reachMembers(reached, req.env);
      if (found.down.length) throw new UserError(`Cluster ${cluster.name}: machine ${found.down.join(", ")} does not answer.`, "Every node gets the release's images before the stack changes: bring it back (`fdock machine status NAME`), or take it out with `fdock cluster remove-node`.");
      return found.nodes;
    });
    nodes = members;
    const lock = await acquireDeployLock(manager.docker, stack);
    if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
    const ended = new AbortController();
    try {
      const copied = await step(reporter, "images", `Make release ${target.id}'s images available on every node`, () => spreadImages(nodes, target));
      for (const line of copied) reporter.emit({ kind: "info", message: line });
      stopIfAborted(signal);
      const stackFile = await releaseStackFile(manager.docker, stack, target.id);
      const dir = bundleDir(project.dir);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, SWARM_FILE), stackFile);
      await step(reporter, "deploy", `docker stack deploy ${stack} on ${manager.name} (release ${target.id}'s stack file)`, () =>
        runCompose("stack deploy", swarmArgv.deploy(manager, stack, { withRegistryAuth: Boolean(project.config.registry) }), { cwd: dir, env: manager.env, onOutput: req.onOutput }).catch((e: unknown) => {
          if (!(e instanceof ComposeFailure)) throw e;
          throw new UserError(`docker stack deploy failed on ${manager.name}: ${lastLines(e.output, 3)}`, "Its output is above; the version that served still serves.", lastLines(e.output, 20));
        }),
      );
      const replicas = Number((parse(stackFile) as { services?: { gunicorn?: { deploy?: { replicas?: number } } } }).services?.gunicorn?.deploy?.replicas ?? 1);
      const timeoutMs = Math.max(300, replicas * 60) * 1000;
      const services = { [`${stack}_gunicorn`]: target.refs.gunicorn, [`${stack}_nginx`]: target.refs.nginx };
      const outcome = await step(reporter, "rollout", `Roll out release ${target.id}: each new gunicorn task healthy before an old one stops`, () => watchRollout(manager.docker, services, timeoutMs));
      const failed = rolloutFailure(outcome, { cluster: cluster.name, manager: manager.name, stack, timeoutMs, what: `Release ${target.id}` });
      if (failed) throw failed;
      const oldTasksGone = watchOldTasks(manager.docker, services, ended.signal);
      const port = stackPort(stackFile);
      await checkEveryNode(reporter, project, nodes, port, manager.host);
      await oldTasksGone(reporter);
      return { release: { ...target, current: true }, url: `http://${manager.host}${port === 80 ? "" : `:${port}`}/`, project: stack };
    } finally {
      ended.abort();
      await lock.release();
    }
  } finally {
    for (const n of nodes) closeEngine(n);
  }
}
