/**
 * The argv of `fdock exec`: `docker exec` into one running container of the project. Pure,
 * tested by equality; run by the one executor (exec.ts) in exec-in.ts.
 */
import type { Argv } from "../exec.js";
import { APP_ENV_WRAPPER } from "../render/layout.js";

/**
 * CMD run through the app's environment wrapper (APP_ENV_WRAPPER) when the container has it, as
 * the image's ENTRYPOINT runs the app (`sh WRAPPER CMD…`: the file need not be executable); as it
 * is in a container without it (an image built before it existed). The script is fixed text: CMD
 * reaches it as arguments ("$@"), never inside it.
 */
export function withAppEnv(command: readonly string[]): string[] {
  const script = `if [ -f ${APP_ENV_WRAPPER} ]; then exec sh ${APP_ENV_WRAPPER} "$@"; fi; exec "$@"`;
  return ["sh", "-c", script, "fdock-exec", ...command];
}

export interface ExecArgvOptions {
  /** Allocate a TTY (stdin and stdout are a terminal); stdin is passed through either way. */
  tty: boolean;
  /** The container is one of the app's (gunicorn, a process): CMD goes through withAppEnv. */
  appEnv: boolean;
}

/** `docker [dockerArgs] exec -i [-t] CONTAINER CMD…`: dockerArgs name the engine (`--context fdock-NAME`). */
export function execArgv(dockerArgs: readonly string[], container: string, command: readonly string[], opts: ExecArgvOptions): Argv {
  return {
    file: "docker",
    args: [...dockerArgs, "exec", "-i", ...(opts.tty ? ["-t"] : []), container, ...(opts.appEnv ? withAppEnv(command) : command)],
  };
}
