/** `fdock machine rm`: several machines, each removed as removeMachine does, once the user agreed. */
import { UserError } from "../errors.js";
import type { Reporter } from "../events.js";
import { removeMachine, type RemoveResult } from "./remove.js";
import { MachineStore } from "./store.js";

export interface RemoveMachinesOptions {
  /** Remove without asking. */
  yes: boolean;
  /** Drop the local state even when the host or provider cannot be reached (and take unreadable configs). */
  force: boolean;
  /** List what would be removed; remove nothing (and ask nothing). */
  dryRun: boolean;
  /** Asks the user a yes/no question; undefined where nobody can answer (no terminal, CI). */
  confirm?: (question: string) => Promise<boolean>;
}

/**
 * Every name is checked before anything is removed; then, unless yes or dryRun, the user is
 * asked (refused where nobody can answer). null when the user said no.
 */
export async function removeMachines(names: string[], opts: RemoveMachinesOptions, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<RemoveResult[] | null> {
  const store = new MachineStore(env);
  for (const name of names) (opts.force ? store.require(name) : store.load(name));
  if (!opts.yes && !opts.dryRun) {
    if (!opts.confirm) throw new UserError(`Removing ${names.join(", ")} needs confirmation.`, "Pass -y to remove without asking.");
    if (!(await opts.confirm(`Remove ${names.join(", ")}? The generic driver leaves the servers running; others delete them.`))) return null;
  }
  const results: RemoveResult[] = [];
  for (const name of names) results.push(await removeMachine(name, { force: opts.force, dryRun: opts.dryRun, env }, reporter));
  return results;
}
