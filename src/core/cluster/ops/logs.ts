/**
 * `fdock logs --remote CLUSTER`: the stack's services' logs as Swarm collects them from every node
 * (`docker service logs`, through the manager's API), each line headed by its task and the fdock
 * machine it ran on: `gunicorn.2@m2 | …`. With follow, lines keep coming until Ctrl-C.
 */
import type Docker from "dockerode";
import { loadProject } from "../../project/config-file.js";
import { UserError } from "../../errors.js";
import type { NodeRecord } from "../swarm-ops.js";
import { closeEngine, nothingDeployed, reachManager, shortService } from "./reach-cluster.js";
import { machineOfNode, stackTasks, type TaskRecord } from "./tasks.js";

/**
 * The payloads of Docker's multiplexed log stream (8-byte frame headers: stream, 3 zero bytes, a
 * big-endian length), fed chunk by chunk; each complete frame's text goes to onFrame.
 */
export function frameReader(onFrame: (text: string) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      onFrame(pending.subarray(8, 8 + size).toString("utf8"));
      pending = pending.subarray(8 + size);
    }
  };
}

/** One log line with details (`k=v,k=v message`): the details Swarm adds (node, service, task IDs) and the message. */
export function parseDetailsLine(line: string): { details: Record<string, string>; message: string } {
  const space = line.indexOf(" ");
  const head = space < 0 ? line : line.slice(0, space);
  if (!/^[\w.]+=/.test(head)) return { details: {}, message: line };
  const details: Record<string, string> = {};
  for (const pair of head.split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) details[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
  }
  return { details, message: space < 0 ? "" : line.slice(space + 1) };
}

/** Who wrote a line: `gunicorn.2@m2` for a replicated task, `nginx@m1` for a global one. */
export function taskLabel(service: string, details: Record<string, string>, slots: Map<string, number>, machines: Map<string, string>): string {
  const slot = slots.get(details["com.docker.swarm.task.id"] ?? "");
  const node = details["com.docker.swarm.node.id"] ?? "";
  return `${service}${slot !== undefined ? `.${slot}` : ""}@${machines.get(node) ?? (node.slice(0, 12) || "?")}`;
}

export interface ClusterLogsRequest {
  dir: string;
  cluster: string;
  env: NodeJS.ProcessEnv;
  /** Services of the stack (default: all of them). */
  services: string[];
  follow: boolean;
  tail?: number;
}

/** Writes the services' logs to onOutput, line by line with their task and machine; with follow, until the process ends. */
export async function clusterLogs(req: ClusterLogsRequest, onOutput: (text: string) => void): Promise<void> {
  const stack = loadProject(req.dir, req.env).config.name;
  const { cluster, manager } = await reachManager(req.cluster, req.env);
  try {
    const found = await stackTasks(manager.docker, stack);
    if (!found.services.length) throw nothingDeployed(stack, cluster.name);
    const names = found.services.map((s) => shortService(stack, s.Spec.Name)).sort();
    const unknown = req.services.filter((s) => !names.includes(s));
    if (unknown.length) throw new UserError(`${stack} has no service ${unknown.join(", ")} on cluster ${cluster.name}.`, `Its services: ${names.join(", ")}.`);
    const wanted = found.services.filter((s) => !req.services.length || req.services.includes(shortService(stack, s.Spec.Name)));
    const slots = new Map(found.tasks.filter((t: TaskRecord) => t.Slot !== undefined).map((t) => [t.ID, t.Slot!]));
    const machines = new Map(found.nodes.map((n: NodeRecord) => [n.ID, machineOfNode(n)]));
    const width = Math.max(...wanted.map((s) => shortService(stack, s.Spec.Name).length + 3 + Math.max(...[...machines.values()].map((m) => m.length), 1)));
    const one = (name: string, full: string) => serviceLogs(manager.docker, full, req, (details, message) => {
      onOutput(`${taskLabel(name, details, slots, machines).padEnd(width)} | ${message}\n`);
    });
    // Without follow: one service after the other; with it, all at once as lines come.
    if (req.follow) await Promise.all(wanted.map((s) => one(shortService(stack, s.Spec.Name), s.Spec.Name)));
    else for (const s of wanted) await one(shortService(stack, s.Spec.Name), s.Spec.Name);
  } finally {
    closeEngine(manager);
  }
}

/** One service's logs through the API (with details, which name each line's node and task), line by line. */
async function serviceLogs(docker: Docker, service: string, req: { follow: boolean; tail?: number }, onLine: (details: Record<string, string>, message: string) => void): Promise<void> {
  let partial = "";
  const feed = frameReader((text) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const { details, message } = parseDetailsLine(line);
      onLine(details, message);
    }
  });
  const opts = { stdout: true, stderr: true, details: true, follow: req.follow, ...(req.tail !== undefined ? { tail: req.tail } : {}) };
  const result = (await docker.getService(service).logs(opts as never)) as unknown as Buffer | NodeJS.ReadableStream;
  if (Buffer.isBuffer(result)) feed(result);
  else {
    await new Promise<void>((resolve, reject) => {
      result.on("data", (chunk: Buffer) => feed(chunk));
      result.on("end", resolve);
      result.on("error", reject);
    });
  }
  if (partial) onLine(parseDetailsLine(partial).details, parseDetailsLine(partial).message);
}
