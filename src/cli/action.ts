/** What every command action shares: a reporter around the core call, errors turned into exit codes. */
import type { GlobalOptions } from "./main.js";
import { reportError } from "./errors.js";
import { makeReporter, type CliReporter } from "./reporters.js";

export type Options = Record<string, unknown>;

/** Runs fn with the command's reporter; 0 when it returns, the error's exit code when it throws. */
export async function withReporter(g: GlobalOptions, fn: (r: CliReporter) => Promise<void>): Promise<number> {
  const reporter = await makeReporter(g);
  try {
    await fn(reporter);
    await reporter.flush();
    return 0;
  } catch (e) {
    await reporter.flush();
    return reportError(e, process.stderr, g.verbose);
  }
}

export const out = (text: string): void => void process.stdout.write(text);
export const printJson = (data: unknown): void => out(JSON.stringify(data, null, 2) + "\n");
