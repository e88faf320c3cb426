import type Docker from "dockerode";
import { sshEngineOptions } from "../engine/ssh-dial.js";
import { UserError } from "../errors.js";
import { hostKeyPolicy, sshTargetOf } from "./connect-machine.js";
import { loadMachine } from "./machine.js";
import { contextName } from "./paths.js";
import { sshOptions } from "./ssh/client.js";

/** How fdock's stack code reaches a machine's engine: compose through the context, dockerode over SSH. */
export interface RemoteEngine {
  name: string;
  host: string;
  /** Put before `compose`: `docker --context fdock-NAME compose …`. */
  dockerArgs: string[];
  /** The environment for the docker CLI, without DOCKER_HOST or DOCKER_CONTEXT (--context names the machine). */
  env: NodeJS.ProcessEnv;
  docker: Docker;
}

/**
 * dockerode ignores Docker contexts and, with a bare ssh:// DOCKER_HOST, authenticates only
 * through ssh-agent: so it gets the machine's host, key and host key check explicitly.
 */
export async function remoteEngine(name: string, env: NodeJS.ProcessEnv): Promise<RemoteEngine> {
  const m = await loadMachine(name, env);
  if (m.config.state !== "ready") {
    throw new UserError(`Machine "${name}" is not ready (state: ${m.config.state}${m.config.error ? `: ${m.config.error}` : ""}).`, `Run \`fdock machine provision ${name}\` to install and start Docker on it.`);
  }
  const target = sshTargetOf(m);
  const policy = await hostKeyPolicy(m);
  if (!policy.pin) throw new UserError(`Machine "${name}" has no pinned host key.`, `Run \`fdock machine provision ${name}\` to connect once and pin it.`);
  const { default: DockerClient } = await import("dockerode");
  const docker = new DockerClient(sshEngineOptions(sshOptions(target, policy, () => undefined, 15_000)));
  const { DOCKER_HOST: _h, DOCKER_CONTEXT: _c, ...rest } = env;
  return { name, host: target.host, dockerArgs: ["--context", contextName(name)], env: rest, docker };
}
