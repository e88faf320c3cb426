/** What every command gets from commander: the global options, its own options, and the value parsers they share. */
import { InvalidArgumentError, Option } from "commander";

/** fdock's own options, given before the command: `fdock -C DIR --json …`. */
export interface GlobalOptions {
  projectDir: string;
  json: boolean;
  verbose: boolean;
}

/** A command's options as commander parsed them (camelCase keys). */
export type Options = Record<string, unknown>;

export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError("must be a port number from 0 to 65535 (0: any free port).");
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1.");
  return n;
}

export function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("must be a whole number of seconds, at least 1.");
  return n;
}

/** A repeatable option's values, in the order given. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `--remote [machine]` of the stack commands that act on what runs (down, ps, logs, releases, rollback). */
export const remoteOption = (): Option => new Option("--remote [machine]", "on a machine or a cluster (default: the active one)");

/** `--ssh-timeout` of `machine create` and `machine provision`. */
export const sshTimeoutOption = (): Option => new Option("--ssh-timeout <seconds>", "how long to wait for SSH to answer").argParser(seconds).default(120);
