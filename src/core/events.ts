/**
 * Progress is reported as events; the CLI decides how to show them (a listr2 task list on a
 * TTY, plain lines otherwise, nothing on --json). The core never writes to the terminal.
 */
export type ProgressEvent =
  | { kind: "step-start"; id: string; title: string }
  | { kind: "step-done"; id: string; title: string; ms: number }
  | { kind: "step-failed"; id: string; title: string; ms: number; error: string }
  | { kind: "info"; message: string }
  | { kind: "output"; text: string };

export interface Reporter {
  emit(event: ProgressEvent): void;
}

export const silentReporter: Reporter = { emit() {} };

/** Runs fn as one named step, reporting start, end and time. */
export async function step<T>(reporter: Reporter, id: string, title: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  reporter.emit({ kind: "step-start", id, title });
  try {
    const result = await fn();
    reporter.emit({ kind: "step-done", id, title, ms: Date.now() - started });
    return result;
  } catch (e) {
    reporter.emit({ kind: "step-failed", id, title, ms: Date.now() - started, error: (e as Error).message });
    throw e;
  }
}
