import type { Argv } from "../exec.js";
import { COMPOSE_FILE, RUN_SERVICE } from "../render/layout.js";

/** Where a compose command goes: `dockerArgs` come before `compose` (e.g. `--context fdock-NAME`). */
export interface ComposeTarget {
  readonly dockerArgs: readonly string[];
}

export type UpService = "gunicorn" | "nginx" | "front";

/** `docker [dockerArgs] compose -f FILE ARGS` (FILE: the bundle's compose.yaml), run in the bundle folder. */
function compose(t: ComposeTarget, args: string[], file = COMPOSE_FILE): Argv {
  return { file: "docker", args: [...t.dockerArgs, "compose", "-f", file, ...args] };
}

/** Argv builders for every compose command fdock runs: pure, tested by equality. */
export const composeArgv = {
  /** Builds every image the file names a build for. */
  build: (t: ComposeTarget): Argv => compose(t, ["build"]),
  /** The release service once, its container removed after, nothing else started. */
  runRelease: (t: ComposeTarget): Argv => compose(t, ["run", "--rm", "--no-deps", "release"]),
  /**
   * `fdock run`: CMD in a new container of the run service (gunicorn's settings) from `file`,
   * named `name`, removed after, nothing else started; on a terminal with a TTY, else -T (stdin
   * still passed).
   */
  runOneOff: (t: ComposeTarget, file: string, name: string, command: readonly string[], tty: boolean): Argv =>
    compose(t, ["run", "--rm", "--no-deps", "--name", name, ...(tty ? [] : ["-T"]), RUN_SERVICE, ...command], file),
  /** gunicorn (re)started alone, orphans of an older file removed; waits until healthy. */
  upGunicorn: (t: ComposeTarget): Argv =>
    compose(t, ["up", "--detach", "--wait", "--no-build", "--no-deps", "--remove-orphans", "gunicorn"]),
  /** nginx (re)started after its dependencies are healthy; waits until it is. */
  upNginx: (t: ComposeTarget): Argv => compose(t, ["up", "--detach", "--wait", "--no-build", "nginx"]),
  /** A second container of the service beside the running one, which is not recreated. */
  upBeside: (t: ComposeTarget, service: "gunicorn" | "nginx"): Argv =>
    compose(t, ["up", "--detach", "--wait", "--no-build", "--no-deps", "--no-recreate", "--scale", `${service}=2`, service]),
  /** One service (re)started, touching no other; waits until healthy. */
  upAlone: (t: ComposeTarget, service: UpService): Argv =>
    compose(t, ["up", "--detach", "--wait", "--no-build", "--no-deps", service]),
  /**
   * Backing services (re)started with what they depend on (the credentials step), each waited for
   * until healthy; one whose configuration did not change keeps running untouched.
   */
  upServices: (t: ComposeTarget, services: readonly string[]): Argv => compose(t, ["up", "--detach", "--wait", "--no-build", ...services]),
  /** The app's processes (re)created from the current image, nothing else touched. */
  upProcesses: (t: ComposeTarget, processes: readonly string[]): Argv =>
    compose(t, ["up", "--detach", "--wait", "--no-build", "--no-deps", ...processes]),
  /** Pulls the images of the services named (a service image the engine does not have yet). */
  pull: (t: ComposeTarget, services: readonly string[]): Argv => compose(t, ["pull", "--quiet", ...services]),
  /** Each service's config hash, one `service hash` line each. */
  configHashes: (t: ComposeTarget): Argv => compose(t, ["config", "--hash", "*"]),
  /** Compose's own validation of the file, printing nothing when it is valid. */
  configCheck: (t: ComposeTarget): Argv => compose(t, ["config", "--quiet"]),
  /** Removes the project's containers and networks, and its volumes only when asked. */
  down: (t: ComposeTarget, removeVolumes: boolean): Argv =>
    compose(t, ["down", "--remove-orphans", ...(removeVolumes ? ["--volumes"] : [])]),
  /** Every container of the project, running or not, as JSON. */
  ps: (t: ComposeTarget): Argv => compose(t, ["ps", "--all", "--format", "json"]),
  /** The services' logs without colour; --follow keeps printing until interrupted. */
  logs: (t: ComposeTarget, services: readonly string[], opts: { follow?: boolean; tail?: number } = {}): Argv =>
    compose(t, ["logs", "--no-color", ...(opts.tail ? ["--tail", String(opts.tail)] : []), ...(opts.follow ? ["--follow"] : []), ...services]),
  /** The host address a service's container port is published on. */
  port: (t: ComposeTarget, service: string, port: number): Argv => compose(t, ["port", service, String(port)]),
};

/** `compose port` prints `0.0.0.0:32768` (or `[::]:32768`); the port, or undefined when none. */
export function parsePort(out: string): number | undefined {
  const m = /:(\d+)\s*$/.exec(out.trim());
  return m ? Number(m[1]) : undefined;
}
