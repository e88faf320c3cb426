/** A cluster member's engine over its SSH connection, and what `docker info` says of its swarm. */
import type Docker from "dockerode";
import { isSupportedEngine, MIN_ENGINE_VERSION } from "../engine/capabilities.js";
import { EngineUnreachableError } from "../engine/engine-errors.js";
import { UserError } from "../errors.js";
import { remoteEngine, type RemoteEngine } from "../machine/remote.js";
import { MachineStore } from "../machine/store.js";
import { swarmAddress } from "./ec2-members.js";

/** The swarm part of `docker info`. */
export interface SwarmInfo {
  LocalNodeState?: string;
  NodeID?: string;
  NodeAddr?: string;
  ControlAvailable?: boolean;
  Cluster?: { ID?: string };
  RemoteManagers?: Array<{ NodeID: string; Addr: string }> | null;
}

export interface SwarmNode {
  machine: string;
  /** Its engine as fdock's stack code reaches it (dockerode over SSH, the docker CLI's context). */
  engine: RemoteEngine;
  /** The address the swarm advertises and the others reach: an EC2 instance's private one, else the SSH address. */
  address: string;
  docker: Docker;
  engineVersion: string;
  swarm: SwarmInfo;
  close(): void;
}

/** Connects to a machine's engine and reads its version and swarm state. */
export async function openNode(machine: string, env: NodeJS.ProcessEnv): Promise<SwarmNode> {
  const remote = await remoteEngine(machine, env);
  const close = () => (remote.docker.modem as unknown as { agent?: { close?: () => void } }).agent?.close?.();
  let info: { ServerVersion?: string; Swarm?: SwarmInfo };
  try {
    info = (await withTimeout(remote.docker.info(), 20_000)) as typeof info;
  } catch (e) {
    close();
    throw new EngineUnreachableError({ kind: "machine", name: machine, host: remote.host }, (e as Error).message);
  }
  const address = swarmAddress(new MachineStore(env).load(machine)) ?? remote.host;
  return { machine, engine: remote, address, docker: remote.docker, engineVersion: info.ServerVersion ?? "unknown", swarm: info.Swarm ?? {}, close };
}

/** Opens every machine's engine (in parallel); closes the ones opened when one fails. */
export async function openNodes(machines: string[], env: NodeJS.ProcessEnv): Promise<SwarmNode[]> {
  const results = await Promise.allSettled(machines.map((m) => openNode(m, env)));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    for (const r of results) if (r.status === "fulfilled") r.value.close();
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<SwarmNode>).value);
}

export function closeAll(nodes: SwarmNode[]): void {
  for (const n of nodes) n.close();
}

/** Re-reads a node's swarm state (after a join or leave). */
export async function refreshSwarm(node: SwarmNode): Promise<SwarmInfo> {
  const info = (await node.docker.info()) as { Swarm?: SwarmInfo };
  node.swarm = info.Swarm ?? {};
  return node.swarm;
}

export const inSwarm = (s: SwarmInfo) => Boolean(s.LocalNodeState && s.LocalNodeState !== "inactive");

/**
 * Refuses nodes whose engines are older than the swarm features fdock uses (init/join over the
 * API, node labels, drain: all within fdock's floor) and nodes already in a swarm, naming each.
 * `knownSwarms` maps swarm IDs to fdock cluster names, to say which cluster holds a machine.
 */
export function checkNodesFree(nodes: SwarmNode[], knownSwarms: Map<string, string>): void {
  const old = nodes.filter((n) => !isSupportedEngine(n.engineVersion));
  if (old.length) {
    throw new UserError(
      `${old.map((n) => `Machine "${n.machine}" runs Docker Engine ${n.engineVersion}`).join("; ")}: a cluster needs Docker Engine ${MIN_ENGINE_VERSION} or later on every node.`,
      `Upgrade it with \`fdock machine provision ${old[0]!.machine}\` (it replaces an engine older than ${MIN_ENGINE_VERSION}).`,
    );
  }
  for (const n of nodes) {
    if (!inSwarm(n.swarm)) continue;
    const id = n.swarm.Cluster?.ID;
    const cluster = id ? knownSwarms.get(id) : undefined;
    const managers = (n.swarm.RemoteManagers ?? []).map((m) => m.Addr).join(", ");
    const which = cluster ? `fdock cluster "${cluster}" (swarm ${id})` : id ? `swarm ${id}` : `a swarm${managers ? ` managed from ${managers}` : ""}`;
    throw new UserError(
      `Machine "${n.machine}" is already in ${which} (state: ${n.swarm.LocalNodeState}).`,
      cluster
        ? `Take it out with \`fdock cluster remove-node ${cluster} ${n.machine}\` or \`fdock cluster rm ${cluster}\`.`
        : `If that swarm is no longer wanted, run \`docker swarm leave --force\` on it (\`fdock machine ssh ${n.machine} -- docker swarm leave --force\`), then try again.`,
    );
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); },
    );
  });
}
