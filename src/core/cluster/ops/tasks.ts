/**
 * `fdock ps --remote CLUSTER`: the app's Swarm tasks, each with the fdock machine of its node.
 * The pure part turns what a manager's API lists into rows; clusterTasks asks the manager.
 */
import type Docker from "dockerode";
import { loadProject } from "../../project/config-file.js";
import { MACHINE_LABEL, type NodeRecord } from "../swarm-ops.js";
import { closeEngine, nothingDeployed, reachManager, shortService, stackServices, STACK_LABEL, type ServiceRecord } from "./reach-cluster.js";

/** A task as a manager lists it (the parts fdock reads). */
export interface TaskRecord {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Timestamp?: string; Err?: string; PortStatus?: { Ports?: Array<{ PublishedPort?: number; TargetPort?: number; Protocol?: string; PublishMode?: string }> } };
  Spec: { ContainerSpec: { Image: string } };
}

export interface ClusterTask {
  /** The service's name in the stack (gunicorn, nginx, …). */
  service: string;
  /** A replicated service's slot (gunicorn.1, gunicorn.2 …); absent for a global one (nginx: one per node). */
  slot?: number;
  /** The fdock machine of the node the task is on ("" while not scheduled). */
  machine: string;
  /** The node's own (swarm) hostname. */
  node: string;
  desiredState: string;
  state: string;
  /** healthy once Swarm counts a task with a health check running; starting before; "" when the service has no check. */
  health: string;
  /** The image's content tag (the release of the image, as `fdock up` tagged it). */
  release: string;
  image: string;
  ports: Array<{ published: number; target: number; protocol: string; mode: string }>;
  since: string;
  /** Why the task failed, when it did. */
  error?: string;
}

/** An image reference without Swarm's digest suffix. */
export const withoutDigest = (image: string): string => image.split("@")[0]!;

/** The tag of an image reference (`repo:tag@digest` → tag); "" when it has none. */
export function tagOf(image: string): string {
  const ref = withoutDigest(image);
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? ref.slice(colon + 1) : "";
}

/** The node's fdock machine (its label, set by `fdock cluster create`/`add`), else its hostname. */
export const machineOfNode = (n: NodeRecord | undefined): string => n?.Spec.Labels?.[MACHINE_LABEL] ?? n?.Description?.Hostname ?? "";

/** The tasks Swarm still wants (not shut down), one row each, sorted by service, slot and machine. */
export function clusterTasksOf(stack: string, services: ServiceRecord[], tasks: TaskRecord[], nodes: NodeRecord[]): ClusterTask[] {
  const byService = new Map(services.map((s) => [s.ID, s]));
  const byNode = new Map(nodes.map((n) => [n.ID, n]));
  return tasks
    .filter((t) => byService.has(t.ServiceID) && !["shutdown", "remove", "orphaned"].includes(t.DesiredState))
    .map((t) => {
      const service = byService.get(t.ServiceID)!;
      const node = t.NodeID ? byNode.get(t.NodeID) : undefined;
      const checked = (service.Spec.TaskTemplate.ContainerSpec.Healthcheck?.Test ?? ["NONE"])[0] !== "NONE";
      const ports = t.Status.PortStatus?.Ports ?? [];
      return {
        service: shortService(stack, service.Spec.Name),
        ...(service.Spec.Mode.Replicated && t.Slot !== undefined ? { slot: t.Slot } : {}),
        machine: machineOfNode(node),
        node: node?.Description?.Hostname ?? "",
        desiredState: t.DesiredState,
        state: t.Status.State,
        health: !checked ? "" : t.Status.State === "running" ? "healthy" : t.Status.State === "starting" ? "starting" : "",
        release: tagOf(t.Spec.ContainerSpec.Image),
        image: withoutDigest(t.Spec.ContainerSpec.Image),
        // The engine lists a host-mode port once per address family: each once here.
        ports: [...new Map(ports.map((p) => [`${p.PublishedPort}/${p.TargetPort}/${p.Protocol}`, { published: p.PublishedPort ?? 0, target: p.TargetPort ?? 0, protocol: p.Protocol ?? "tcp", mode: p.PublishMode ?? "" }])).values()],
        since: t.Status.Timestamp ?? "",
        ...(t.Status.Err ? { error: t.Status.Err } : {}),
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || (a.slot ?? 0) - (b.slot ?? 0) || a.machine.localeCompare(b.machine));
}

/** The rows `fdock ps --remote CLUSTER` prints, its header first. */
export function taskTable(tasks: ClusterTask[]): string[][] {
  return [
    ["TASK", "MACHINE", "NODE", "DESIRED", "STATE", "HEALTH", "RELEASE", "PORTS"],
    ...tasks.map((t) => [
      t.slot !== undefined ? `${t.service}.${t.slot}` : t.service,
      t.machine || "-",
      t.node && t.node !== t.machine ? t.node : "-",
      t.desiredState,
      t.error ? `${t.state} (${t.error})` : t.state,
      t.health || "-",
      t.release || "-",
      t.ports.map((p) => `${p.published}->${p.target}/${p.protocol}`).join(", ") || "-",
    ]),
  ];
}

/** What a manager lists of the stack: its services, their tasks and the nodes. */
export async function stackTasks(docker: Docker, stack: string): Promise<{ services: ServiceRecord[]; tasks: TaskRecord[]; nodes: NodeRecord[] }> {
  const [services, tasks, nodes] = await Promise.all([
    stackServices(docker, stack),
    docker.listTasks({ filters: { label: [`${STACK_LABEL}=${stack}`] } }) as Promise<TaskRecord[]>,
    docker.listNodes() as Promise<NodeRecord[]>,
  ]);
  return { services, tasks, nodes };
}

/** The app's tasks on the cluster; a UserError when nothing of it is deployed there. */
export async function clusterTasks(dir: string, clusterName: string, env: NodeJS.ProcessEnv): Promise<ClusterTask[]> {
  const stack = loadProject(dir, env).config.name;
  const { cluster, manager } = await reachManager(clusterName, env);
  try {
    const found = await stackTasks(manager.docker, stack);
    if (!found.services.length) throw nothingDeployed(stack, cluster.name);
    return clusterTasksOf(stack, found.services, found.tasks, found.nodes);
  } finally {
    closeEngine(manager);
  }
}
