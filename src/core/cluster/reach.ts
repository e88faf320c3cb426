/** Whether a machine can open a TCP connection to another's swarm port, tested from the machine itself over SSH. */
import { UserError } from "../errors.js";
import type { Reporter } from "../events.js";
import { connectMachine } from "../machine/connect-machine.js";
import { loadMachine } from "../machine/machine.js";

/** The port managers listen on for joins and the swarm's control traffic. */
export const SWARM_PORT = 2377;
/** How long one connect may take before the port counts as closed. */
const CONNECT_SECONDS = 5;

/**
 * The shell command run on the machine: bash's /dev/tcp connect, bounded by coreutils' timeout.
 * Prints "open", "closed", or "untested" where bash or timeout is missing. Addresses only, no secret.
 */
export function reachCommand(address: string, port: number): string {
  if (!/^[A-Za-z0-9.:-]+$/.test(address)) throw new Error(`not an address: ${address}`);
  return `if ! command -v bash >/dev/null || ! command -v timeout >/dev/null; then echo untested; elif timeout ${CONNECT_SECONDS} bash -c 'exec 3<>/dev/tcp/${address}/${port}' 2>/dev/null; then echo open; else echo closed; fi`;
}

export class SwarmPortUnreachableError extends UserError {
  constructor(from: { machine: string; address: string }, to: { machine: string; address: string }, port: number) {
    super(
      `Machine "${from.machine}" cannot reach ${to.machine}'s port ${port}/tcp (${to.address}:${port}, tried from ${from.machine}'s address ${from.address}).`,
      `Open it in the firewall: ${to.machine} must accept ${port}/tcp from ${from.address} (and the cluster's members must reach each other on 7946/tcp+udp and 4789/udp; see the README's Clusters section).`,
    );
  }
}

/** Throws SwarmPortUnreachableError unless `from` can connect to `to`'s address on port, from `from` itself. */
export async function checkReach(from: { machine: string; address: string }, to: { machine: string; address: string }, port: number, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
  const session = await connectMachine(await loadMachine(from.machine, env), reporter);
  try {
    const r = await session.exec(reachCommand(to.address, port));
    const said = r.stdout.trim();
    if (said === "untested") reporter.emit({ kind: "info", message: `${from.machine} has no bash or timeout: its reach of ${to.machine}:${port} is not checked before the join` });
    else if (said !== "open") throw new SwarmPortUnreachableError(from, to, port);
  } finally {
    session.close();
  }
}
