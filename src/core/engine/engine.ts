import type Docker from "dockerode";
import { PrecheckError } from "../errors.js";
import { engineCapabilities, isSupportedEngine, type EngineCapabilities } from "./capabilities.js";
import { EngineTooOldError, EngineUnreachableError, type EngineLocation } from "./engine-errors.js";
import { sshEngineOptions } from "./ssh-dial.js";

/** What fdock needs to know about the Docker engine a stack will run on. */
export interface EngineFacts {
  cpus: number;
  /** The engine host's memory (docker info's MemTotal), 0 when it does not say. */
  memoryBytes: number;
  serverVersion: string;
  name: string;
  /** What the engine's version allows (capabilities.ts). */
  capabilities: EngineCapabilities;
}

/** A dockerode client for the engine that env's DOCKER_HOST (or the local socket) names. */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Docker> {
  const { default: DockerClient } = await import("dockerode");
  return new DockerClient(engineOptions(env.DOCKER_HOST));
}

/** dockerode options for a DOCKER_HOST value: unix://, tcp:// or ssh:// (ssh-agent only). */
export function engineOptions(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return { socketPath: "/var/run/docker.sock" };
  const url = new URL(dockerHost);
  switch (url.protocol) {
    case "unix:":
      return { socketPath: url.pathname };
    case "tcp:":
    case "http:":
      return { protocol: "http", host: url.hostname, port: Number(url.port) || 2375 };
    case "https:":
      return { protocol: "https", host: url.hostname, port: Number(url.port) || 2376 };
    case "ssh:":
      // Through ssh-agent, as the docker CLI does with a bare ssh:// DOCKER_HOST.
      return sshEngineOptions({ host: url.hostname, port: Number(url.port) || 22, username: url.username || undefined, agent: process.env.SSH_AUTH_SOCK });
    default:
      throw new PrecheckError(`DOCKER_HOST=${dockerHost} is not an address fdock understands.`, "Use unix://PATH, tcp://HOST:PORT or ssh://USER@HOST.");
  }
}

export function describeEngine(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/**
 * Asks the engine for its facts. No answer, or an engine older than fdock supports, is a
 * pre-check failure with the next step (`where` names a machine's engine in the message).
 */
export async function engineFacts(docker: Docker, env: NodeJS.ProcessEnv = process.env, where?: EngineLocation): Promise<EngineFacts> {
  const location: EngineLocation = where ?? { kind: "local", address: describeEngine(env) };
  let info: { NCPU?: number; MemTotal?: number; ServerVersion?: string; Name?: string };
  try {
    info = (await withTimeout(docker.info(), 10_000)) as typeof info;
  } catch (e) {
    throw new EngineUnreachableError(location, (e as Error).message);
  }
  const serverVersion = info.ServerVersion ?? "unknown";
  if (!isSupportedEngine(serverVersion)) throw new EngineTooOldError(location, serverVersion);
  return { cpus: info.NCPU ?? 1, memoryBytes: info.MemTotal ?? 0, serverVersion, name: info.Name ?? "docker", capabilities: engineCapabilities(serverVersion) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); },
    );
  });
}
