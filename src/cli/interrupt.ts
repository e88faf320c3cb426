/**
 * The one SIGINT handler of the CLI, the same on a terminal and in CI. The first Ctrl-C aborts
 * the signal handed to the core, which stops after the step in flight and cleans up; the second
 * quits at once with 130. listr2 registers no handler of its own (see reporters.ts).
 */
import type { Reporter } from "../core/events.js";

export interface InterruptMessages {
  /** Shown on the first Ctrl-C: what the command does now. */
  first: string;
  /** Printed on the second Ctrl-C, before quitting: what may be left and how to remove it. */
  second: string;
}

export const INTERRUPTED_EXIT = 130;

// listr2 buffers process.stderr while it renders; the last words before exiting must not wait.
const writeNow = process.stderr.write.bind(process.stderr);

/** Runs fn with an AbortSignal that the first Ctrl-C aborts; the second exits the process with 130. */
export async function withInterrupt<T>(reporter: Reporter, messages: InterruptMessages, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      writeNow(`${process.stderr.isTTY ? "\x1b[?25h" : ""}\nQuitting now. ${messages.second}\n`);
      process.exit(INTERRUPTED_EXIT);
    }
    reporter.emit({ kind: "info", message: `Ctrl-C: ${messages.first} Ctrl-C again quits at once.` });
    controller.abort();
  };
  return handlingSigint(onSigint, () => fn(controller.signal));
}

/**
 * Runs fn while a child program owns the terminal (`fdock run`, `fdock exec`): Ctrl-C is the
 * child's too (its TTY's, or its process group's, which it shares with fdock), so fdock does not
 * quit on it: the first one aborts `interrupted` (after printing `message`, if any), for the core
 * to finish what the child leaves behind, and fdock returns the child's exit code.
 */
export async function leavingCtrlCToChild<T>(fn: (interrupted: AbortSignal) => Promise<T>, message?: string): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) return;
    if (message) writeNow(`\nCtrl-C: ${message}\n`);
    controller.abort();
  };
  return handlingSigint(onSigint, () => fn(controller.signal));
}

/** fn with onSigint as a SIGINT handler, removed again however fn ends. */
async function handlingSigint<T>(onSigint: () => void, fn: () => Promise<T>): Promise<T> {
  process.on("SIGINT", onSigint);
  try {
    return await fn();
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
