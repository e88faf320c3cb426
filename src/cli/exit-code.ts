/**
 * How a command's outcome becomes the process's exit code: 0 when it returns, the error's code
 * (printed the way the user can act on it) when it throws. The error printer loads only then.
 */
import type { GlobalOptions } from "./options.js";
import { makeReporter, type CliReporter } from "./reporters.js";

/** Runs fn; its own exit code (0 when it returns none), or the error's when it throws. */
export async function exitCodeOf(g: GlobalOptions, fn: () => Promise<number | void>): Promise<number> {
  try {
    return (await fn()) ?? 0;
  } catch (e) {
    const { reportError } = await import("./report-error.js");
    return reportError(e, process.stderr, g.verbose);
  }
}

/** exitCodeOf with the command's progress reporter, flushed before the result or error is printed. */
export async function withReporter(g: GlobalOptions, fn: (r: CliReporter) => Promise<void>): Promise<number> {
  const reporter = await makeReporter(g);
  return exitCodeOf(g, async () => {
    try {
      await fn(reporter);
    } finally {
      await reporter.flush();
    }
  });
}
