/**
 * `fdock down --remote CLUSTER`: `docker stack rm` on a manager, then a wait until the stack's
 * containers are gone from every node. Its volumes stay (each node keeps its own) unless the user
 * asked for --volumes and said yes, as `fdock down -v` asks on one engine; then they are deleted
 * on every node, once nothing uses them. The releases (records and images) stay, for a later
 * `fdock rollback` or `fdock up`.
 */
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import { step, type Reporter } from "../../events.js";
import type { RemoteEngine } from "../../machine/remote.js";
import { loadProject } from "../../project/config-file.js";
import { lastLines, ComposeFailure, runCompose } from "../../stack/compose-project.js";
import { acquireDeployLock } from "../../stack/deploy-lock.js";
import { stackArgv } from "./stack-argv.js";
import { closeEngine, nothingDeployed, reachManager, reachMembers, stackServices, STACK_LABEL } from "./reach-cluster.js";

export interface ClusterDownRequest {
  dir: string;
  cluster: string;
  env: NodeJS.ProcessEnv;
  volumes: boolean;
  yes: boolean;
  confirm?: (question: string) => Promise<boolean>;
}

/** The stack's containers (any state) and volumes on one node. */
async function leftOn(docker: Docker, stack: string): Promise<{ containers: number; volumes: string[] }> {
  const filters = { label: [`${STACK_LABEL}=${stack}`] };
  const [containers, volumes] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters })]);
  return { containers: containers.length, volumes: (volumes.Volumes ?? []).map((v) => v.Name) };
}

/** Waits until no node has a container of the stack; the nodes that still have some after timeoutMs, with how many. */
async function waitContainersGone(nodes: RemoteEngine[], stack: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await Promise.all(nodes.map(async (n) => ({ n, left: await leftOn(n.docker, stack) })));
    const busy = left.filter((l) => l.left.containers > 0).map((l) => `${l.n.name} (${l.left.containers})`);
    if (!busy.length || Date.now() > deadline) return busy;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Removes the stack from the cluster; false when the user answered no (nothing was removed). */
export async function downCluster(req: ClusterDownRequest, reporter: Reporter): Promise<boolean> {
  const stack = loadProject(req.dir, req.env).config.name;
  const reached = await reachManager(req.cluster, req.env);
  const { cluster, manager } = reached;
  let nodes: RemoteEngine[] = [manager];
  try {
    if (!(await stackServices(manager.docker, stack)).length) throw nothingDeployed(stack, cluster.name);
    if (req.volumes && !req.yes) {
      if (!req.confirm) {
        throw new UserError(`\`fdock down -v\` deletes the app's data (the volumes of ${stack} on every node of cluster ${cluster.name}), so it asks first, and nobody can answer here.`, "Pass --yes to delete them without asking, or leave out -v to keep them.");
      }
      if (!(await req.confirm(`Delete the volumes of ${stack} on every node of cluster ${cluster.name} (the app's data)? This cannot be undone.`))) return false;
    }
    const found = await reachMembers(reached, req.env);
    nodes = found.nodes;
    for (const d of found.down) reporter.emit({ kind: "info", message: `machine ${d} does not answer: Swarm stops its tasks once it is back; fdock cannot check it now` });
    const lock = await acquireDeployLock(manager.docker, stack);
    if (lock.notHeld) reporter.emit({ kind: "info", message: lock.notHeld });
    try {
      await step(reporter, "down", `docker stack rm ${stack} on ${manager.name}`, () =>
        runCompose("stack rm", stackArgv.rm(manager, stack), { cwd: req.dir, env: manager.env }).then(() => undefined, (e: unknown) => {
          if (!(e instanceof ComposeFailure)) throw e;
          throw new UserError(`docker stack rm failed on ${manager.name}: ${lastLines(e.output, 3)}`, "Run the command again.", lastLines(e.output, 20));
        }),
      );
      const busy = await step(reporter, "stopped", `Wait until the stack's containers are gone on ${nodes.length} node${nodes.length === 1 ? "" : "s"}`, () => waitContainersGone(nodes, stack, 180_000));
      if (busy.length) throw new UserError(`The stack's containers are still on ${busy.join(", ")} after 180 s.`, "Swarm keeps stopping them (gunicorn finishes its requests first); run `fdock down --remote` again to wait more.");
      const volumes = await Promise.all(nodes.map(async (n) => ({ n, names: (await leftOn(n.docker, stack)).volumes })));
      const held = volumes.filter((v) => v.names.length);
      if (req.volumes) {
        await step(reporter, "volumes", `Delete the stack's volumes on every node`, async () => {
          for (const { n, names } of held) for (const v of names) await n.docker.getVolume(v).remove();
        });
      } else if (held.length) {
        reporter.emit({ kind: "info", message: `volumes kept (the app's data): ${held.map((v) => `${v.n.name}: ${v.names.join(", ")}`).join("; ")}; \`fdock down -v --remote ${cluster.name}\` deletes them` });
      } else {
        reporter.emit({ kind: "info", message: "volumes kept: the stack has none on the nodes" });
      }
    } finally {
      await lock.release();
    }
    return true;
  } finally {
    for (const n of nodes) closeEngine(n);
  }
}
