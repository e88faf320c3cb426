/**
 * A create as a list of steps, each `{what, make, undo}`: the runner stops before the next step
 * once Ctrl-C was pressed, and on any failure runs the undos of the steps begun, newest first.
 */
import { step, type Reporter } from "../../../events.js";
import { InterruptedError } from "./retry.js";

export interface CreateStep {
  /** The progress event id ("aws-iam-user"). */
  id: string;
  /** What the step makes, as the progress line says it (a function when it names what an earlier step made). */
  what: string | (() => string);
  make(): Promise<void>;
  /** Removes what make made, tolerant of a make that stopped half way (or never ran its calls). */
  undo?(): Promise<void>;
}

export interface StepRun {
  reporter: Reporter;
  signal: AbortSignal;
  /** Redacts secrets from the reasons an undo failed. */
  redact(text: string): string;
}

/**
 * Runs the steps in order. On failure (or Ctrl-C, seen between steps) the undos run in reverse;
 * what they could not remove is added to the error's message with `rmHint`. Throws the cause
 * (an InterruptedError when the signal was aborted).
 */
export async function runSteps(steps: CreateStep[], run: StepRun, rmHint: string): Promise<void> {
  const begun: CreateStep[] = [];
  try {
    for (const s of steps) {
      if (run.signal.aborted) throw new InterruptedError();
      begun.push(s);
      await step(run.reporter, s.id, typeof s.what === "function" ? s.what() : s.what, () => s.make());
    }
  } catch (e) {
    const cause = run.signal.aborted && !(e instanceof InterruptedError) ? new InterruptedError() : e;
    const left = await undoAll(begun, run);
    if (left.length && cause instanceof Error) cause.message += ` Some resources could not be removed (${left.join("; ")}): ${rmHint}`;
    throw cause;
  }
}

/** The undos, newest first, as one progress step; returns what could not be removed. */
async function undoAll(begun: CreateStep[], run: StepRun): Promise<string[]> {
  const left: string[] = [];
  await step(run.reporter, "aws-rollback", "Removing what this create made", async () => {
    for (const s of [...begun].reverse()) {
      try {
        await s.undo?.();
      } catch (e) {
        left.push(`${s.id.replace(/^aws-/, "")}: ${run.redact((e as Error).message)}`);
      }
    }
    if (left.length) throw new Error(`could not remove ${left.join("; ")}`);
  }).catch(() => undefined);
  return left;
}
