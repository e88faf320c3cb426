/**
 * Which engine a stack command runs on, and what that means for its options. `--remote`: the
 * machine's engine (compose through its context, dockerode over SSH), production on port 80
 * by default, published on every address. Without it: the local engine, refused while this shell
 * (or `fdock use`) points Docker at a machine, since compose would follow the context and
 * dockerode would not.
 */
import { UserError } from "../errors.js";
import { activeMachine } from "../machine/active.js";
import type { RemoteEngine } from "../machine/remote.js";
import type { StackOptions } from "./prepare.js";

/** `--remote` as given: absent (or false), bare (true: the active machine), or a machine's name. */
export type RemoteChoice = string | boolean | undefined;

/** The machine's engine for `--remote`, null for the local engine; a UserError where neither fits. */
export async function engineTarget(remote: RemoteChoice, env: NodeJS.ProcessEnv): Promise<RemoteEngine | null> {
  if (remote !== undefined && remote !== false) {
    const { clusterNamed } = await import("../cluster/deploy/cluster-target.js");
    const cluster = clusterNamed(remote, env);
    if (cluster) {
      throw new UserError(
        `${typeof remote === "string" ? "" : "The active target, "}${cluster} is a cluster, and this command works on one engine only (yet).`,
        `On a cluster, \`fdock up\`, \`ps\`, \`logs\`, \`releases\`, \`rollback\` and \`down\` work (--remote ${cluster}); for this one, name a machine: --remote MACHINE (\`fdock cluster inspect ${cluster}\` lists them).`,
      );
    }
    const { resolveRemote } = await import("../machine/active.js");
    const { remoteEngine } = await import("../machine/remote.js");
    return remoteEngine(resolveRemote(typeof remote === "string" ? remote : undefined, env), env);
  }
  const active = activeMachine(env);
  if (active.name) {
    throw new UserError(
      `Docker points at machine ${active.name} (${active.source}), so a local run would be split between two engines.`,
      `Deploy there with \`--remote\`, or point Docker back here with \`eval "$(fdock env -u)"\`${active.source === "docker context use" ? " and `fdock use --default`" : ""}.`,
    );
  }
  return null;
}

/** What the user asked of a deploy (`up`, `rollback`), before the engine is known. */
export interface DeployRequest {
  dir: string;
  production: boolean;
  port?: number;
  onOutput?: (text: string) => void;
}

/** The stack options of a deploy on target: a machine always runs production, on port 80 unless told. */
export function deployOptions(target: RemoteEngine | null, req: DeployRequest): StackOptions {
  const { dir, onOutput } = req;
  if (target) {
    return { dir, mode: "production", port: req.port ?? 80, publishHost: null, remoteHost: target.host, machine: target.name, env: target.env, dockerArgs: target.dockerArgs, onOutput };
  }
  return { dir, mode: req.production ? "production" : "development", port: req.port, publishHost: "127.0.0.1", onOutput };
}
