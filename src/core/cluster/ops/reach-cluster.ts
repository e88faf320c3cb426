/**
 * Reaching a deployed app on a cluster, for the commands that operate it (ps, logs, releases,
 * rollback, down): the first answering manager's engine, every node's engine when a command
 * acts on each (images, containers, volumes), and the app's Swarm services.
 */
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import { remoteEngine, type RemoteEngine } from "../../machine/remote.js";
import { firstManager } from "../manager.js";
import { ClusterStore, type ClusterConfig } from "../store.js";
import { withTimeout } from "../swarm-node.js";

/** The label Swarm (`docker stack deploy`) puts on a stack's services, tasks, containers, networks and volumes. */
export const STACK_LABEL = "com.docker.stack.namespace";

export interface ManagerReached {
  cluster: ClusterConfig;
  manager: RemoteEngine;
}

/** Closes an engine's SSH connection. */
export function closeEngine(e: RemoteEngine): void {
  (e.docker.modem as unknown as { agent?: { close?: () => void } }).agent?.close?.();
}

/** The cluster's first answering manager, as an engine (dockerode and the docker CLI's context). */
export async function reachManager(name: string, env: NodeJS.ProcessEnv): Promise<ManagerReached> {
  const cluster = new ClusterStore(env).load(name);
  const first = await firstManager(cluster, env);
  return { cluster, manager: first.engine };
}

/** One member's engine, once it answered; a string saying why when it does not. */
async function reachMember(machine: string, env: NodeJS.ProcessEnv): Promise<RemoteEngine | string> {
  try {
    const e = await remoteEngine(machine, env);
    await withTimeout(e.docker.ping(), 20_000).catch((err: Error) => {
      closeEngine(e);
      throw err;
    });
    return e;
  } catch (err) {
    return `${machine} (${(err as Error).message})`;
  }
}

/** Every member's engine, the manager's one included as it is; the members that do not answer, each with why. */
export async function reachMembers(reached: ManagerReached, env: NodeJS.ProcessEnv, early = new Map<string, Promise<RemoteEngine | string>>()): Promise<{ nodes: RemoteEngine[]; down: string[] }> {
  const others = [...reached.cluster.managers, ...reached.cluster.workers].filter((m) => m !== reached.manager.name);
  const results = await Promise.all(others.map((m) => early.get(m) ?? reachMember(m, env)));
  return { nodes: [reached.manager, ...results.filter((r): r is RemoteEngine => typeof r !== "string")], down: results.filter((r): r is string => typeof r === "string") };
}

/**
 * The first answering manager and every other member, reached at once (the members' SSH
 * connections open while the manager is asked): a deploy needs them all.
 */
export async function reachCluster(name: string, env: NodeJS.ProcessEnv): Promise<ManagerReached & { nodes: RemoteEngine[]; down: string[] }> {
  const cluster = new ClusterStore(env).load(name);
  const early = new Map([...cluster.managers.slice(1), ...cluster.workers].map((m) => [m, reachMember(m, env)] as const));
  let reached: ManagerReached;
  try {
    reached = await reachManager(name, env);
  } catch (e) {
    for (const p of early.values()) void p.then((r) => typeof r !== "string" && closeEngine(r));
    throw e;
  }
  // A later manager that answered first: its own engine serves, the early one goes.
  void early.get(reached.manager.name)?.then((r) => typeof r !== "string" && closeEngine(r));
  return { ...reached, ...(await reachMembers(reached, env, early)) };
}

/** A Swarm service as the API lists it (the parts fdock reads). */
export interface ServiceRecord {
  ID: string;
  Spec: {
    Name: string;
    Labels?: Record<string, string>;
    TaskTemplate: { ContainerSpec: { Image: string; Healthcheck?: { Test?: string[] } } };
    Mode: { Replicated?: { Replicas?: number }; Global?: object };
  };
  Endpoint?: { Ports?: Array<{ PublishedPort?: number; TargetPort?: number; Protocol?: string; PublishMode?: string }> };
}

/** The stack's services on the cluster, by their name in fdock.yaml's stack (gunicorn, nginx, …). */
export async function stackServices(docker: Docker, stack: string): Promise<ServiceRecord[]> {
  return (await docker.listServices({ filters: { label: [`${STACK_LABEL}=${stack}`] } })) as unknown as ServiceRecord[];
}

/** The name of a stack's service without the stack's prefix: `blog_gunicorn` → `gunicorn`. */
export const shortService = (stack: string, full: string): string => (full.startsWith(`${stack}_`) ? full.slice(stack.length + 1) : full);

/** The error for a command that needs the app deployed on the cluster, when it is not. */
export function nothingDeployed(stack: string, cluster: string): UserError {
  return new UserError(`Nothing of ${stack} is deployed on cluster ${cluster}.`, `Deploy it with \`fdock up --remote ${cluster}\` (from the app's folder).`);
}
