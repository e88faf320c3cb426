/**
 * Errors a user can act on: a clear message and the next step, printed without a stack.
 * Anything else that escapes is a bug and is printed with its stack.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    /** What to do next, one or two sentences. */
    readonly hint?: string,
    /** Extra output that explains the failure (a traceback, a build log tail). */
    readonly detail?: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

/** The configuration file is invalid; the message names the key. */
export class ConfigError extends UserError {}

/** A pre-condition on this machine failed (no engine, port taken). Distinct exit code, as docker-machine did. */
export class PrecheckError extends UserError {
  constructor(message: string, hint?: string, detail?: string) {
    super(message, hint, detail, 3);
  }
}

/**
 * The app did not pass its health check (gunicorn's, or the one through nginx). Exit code 4, so a
 * script can tell "this version of the app is broken" from other failures.
 */
export class HealthCheckError extends UserError {
  constructor(message: string, hint?: string, detail?: string) {
    super(message, hint, detail, 4);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
