import type Docker from "dockerode";
import { PrecheckError } from "../errors.js";

/** What fdock needs to know about the Docker engine a stack will run on. */
export interface EngineFacts {
  cpus: number;
  /** The engine host's memory (docker info's MemTotal), 0 when it does not say. */
  memoryBytes: number;
  serverVersion: string;
  name: string;
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
      return { protocol: "ssh", host: url.hostname, port: Number(url.port) || 22, username: url.username || undefined };
    default:
      throw new PrecheckError(`DOCKER_HOST=${dockerHost} is not an address fdock understands.`, "Use unix://PATH, tcp://HOST:PORT or ssh://USER@HOST.");
  }
}

export function describeEngine(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/** Asks the engine for its facts; no answer is a pre-check failure with the next step. */
export async function engineFacts(docker: Docker, env: NodeJS.ProcessEnv = process.env): Promise<EngineFacts> {
  try {
    const info = (await withTimeout(docker.info(), 10_000)) as { NCPU?: number; MemTotal?: number; ServerVersion?: string; Name?: string };
    return { cpus: info.NCPU ?? 1, memoryBytes: info.MemTotal ?? 0, serverVersion: info.ServerVersion ?? "unknown", name: info.Name ?? "docker" };
  } catch (e) {
    throw new PrecheckError(
      `No Docker engine answers at ${describeEngine(env)} (${(e as Error).message}).`,
      "Start Docker (on Debian without systemd: `setsid dockerd &`; the repo's scripts/rig does it), or point DOCKER_HOST at a running engine.",
    );
  }
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
