import { isUserError } from "../core/errors.js";

/** Prints an error the way the user can act on it; returns the exit code. */
export function reportError(e: unknown, out: NodeJS.WritableStream, verbose: boolean): number {
  if (isUserError(e)) {
    if (e.detail) out.write(`${e.detail.trimEnd()}\n\n`);
    out.write(`✖ ${e.message}\n`);
    if (e.hint) out.write(`→ ${e.hint}\n`);
    if (verbose && e.stack) out.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  out.write(`✖ Unexpected error: ${err.message}\n${err.stack ?? ""}\n`);
  out.write("→ This is a bug in fdock: please report it with the output above.\n");
  return 70;
}
