import { UserError } from "../errors.js";
import { currentContext } from "./docker-context.js";
import { machineOfResourceName } from "./names.js";
import { contextName } from "./paths.js";
import { MachineStore } from "./store.js";

export type Shell = "bash" | "zsh" | "fish" | "powershell";
export const SHELLS: readonly Shell[] = ["bash", "zsh", "fish", "powershell"];

/** Where the docker CLI points, following its precedence: DOCKER_HOST > DOCKER_CONTEXT > `docker context use`. */
export interface ActiveMachine {
  name: string | null;
  /** How it was chosen, for `fdock active` and error messages. */
  source: "FDOCK_MACHINE_NAME" | "DOCKER_CONTEXT" | "docker context use" | "DOCKER_HOST" | "none";
}

const machineOfContext = machineOfResourceName;

export function activeMachine(env: NodeJS.ProcessEnv): ActiveMachine {
  if (env.DOCKER_HOST) return { name: null, source: "DOCKER_HOST" };
  if (env.FDOCK_MACHINE_NAME) return { name: env.FDOCK_MACHINE_NAME, source: "FDOCK_MACHINE_NAME" };
  if (env.DOCKER_CONTEXT) return { name: machineOfContext(env.DOCKER_CONTEXT), source: "DOCKER_CONTEXT" };
  const name = machineOfContext(currentContext(env));
  return name ? { name, source: "docker context use" } : { name: null, source: "none" };
}

/** The machine `--remote` with no name means; a clear error when there is none. */
export function resolveRemote(name: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = name ?? activeMachine(env).name;
  if (!chosen) {
    throw new UserError(
      "--remote needs a machine, and no machine is active.",
      "Name one (`fdock up --remote web`), or make one active with `eval \"$(fdock env web)\"` or `fdock use web`. `fdock machine ls` lists them.",
    );
  }
  new MachineStore(env).load(chosen); // unknown machine: a clear error
  return chosen;
}

interface ShellSyntax {
  set(k: string, v: string): string;
  unset(k: string): string;
  comment: string;
  evalHint(cmd: string): string;
}

const sh = (v: string) => `"${v.replace(/(["\\$`])/g, "\\$1")}"`;
const syntax: Record<Shell, ShellSyntax> = {
  bash: { set: (k, v) => `export ${k}=${sh(v)}`, unset: (k) => `unset ${k}`, comment: "#", evalHint: (c) => `eval $(${c})` },
  zsh: { set: (k, v) => `export ${k}=${sh(v)}`, unset: (k) => `unset ${k}`, comment: "#", evalHint: (c) => `eval $(${c})` },
  fish: { set: (k, v) => `set -gx ${k} ${sh(v)};`, unset: (k) => `set -e ${k};`, comment: "#", evalHint: (c) => `eval (${c})` },
  powershell: { set: (k, v) => `$Env:${k} = "${v}"`, unset: (k) => `Remove-Item Env:\\${k}`, comment: "#", evalHint: (c) => `& ${c} | Invoke-Expression` },
};

/** Variables a shell left over would override the context (docker's precedence); env unsets them when they are set. */
const OVERRIDES = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME"];

/**
 * `fdock env NAME`: DOCKER_CONTEXT for the docker CLI and compose, FDOCK_MACHINE_NAME for
 * fdock's own engine client (dockerode ignores contexts), and the unset of a DOCKER_HOST that
 * would silently win over both.
 */
export function envScript(name: string, shell: Shell, env: NodeJS.ProcessEnv, cluster?: string): string {
  new MachineStore(env).load(name);
  const s = syntax[shell];
  const lines = [
    ...OVERRIDES.filter((k) => env[k] !== undefined).map(s.unset),
    s.set("DOCKER_CONTEXT", contextName(name)),
    s.set("FDOCK_MACHINE_NAME", name),
    // A bare --remote then means the cluster (src/core/cluster/active-cluster.ts), not its manager alone.
    ...(cluster ? [s.set("FDOCK_CLUSTER_NAME", cluster)] : env.FDOCK_CLUSTER_NAME !== undefined ? [s.unset("FDOCK_CLUSTER_NAME")] : []),
    `${s.comment} Run this command to point this shell's docker, compose and fdock at ${cluster ? `cluster ${cluster} (its manager, machine ${name})` : `machine ${name}`}:`,
    `${s.comment} ${s.evalHint(`fdock env ${cluster ?? name}${shell === "bash" ? "" : ` --shell ${shell}`}`)}`,
  ];
  return lines.join("\n") + "\n";
}

export function unsetScript(shell: Shell): string {
  const s = syntax[shell];
  return [
    s.unset("DOCKER_CONTEXT"),
    s.unset("FDOCK_MACHINE_NAME"),
    s.unset("FDOCK_CLUSTER_NAME"),
    `${s.comment} Run this command to point this shell back at the local Docker (or the context of \`docker context use\`):`,
    `${s.comment} ${s.evalHint(`fdock env -u${shell === "bash" ? "" : ` --shell ${shell}`}`)}`,
  ].join("\n") + "\n";
}

/** The shell of the parent process, from $SHELL (bash when unknown). */
export function detectShell(env: NodeJS.ProcessEnv): Shell {
  const base = (env.SHELL ?? "").split("/").pop() ?? "";
  return (SHELLS as readonly string[]).includes(base) ? (base as Shell) : base === "pwsh" ? "powershell" : "bash";
}
