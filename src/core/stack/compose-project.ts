import { streamArgv, type Argv, type RunResult } from "../exec.js";
import { UserError } from "../errors.js";
import { composeArgv, parsePort, type ComposeTarget } from "./compose-argv.js";

/**
 * A compose command that exited non-zero, with what it printed. The deploy steps turn the ones
 * they expect into a more precise error; any other reaches the user as it is: compose's own
 * words, no stack (a compose failure is the engine's or the project's state, not a bug in fdock).
 */
export class ComposeFailure extends UserError {
  constructor(readonly command: string, readonly result: RunResult) {
    super(
      `docker compose ${command} failed (exit ${result.exitCode}): ${lastLines(result.stderr || result.stdout, 3)}`,
      "Compose's output is above. `fdock ps` shows what runs; fix the cause and run the command again.",
      lastLines([result.stdout, result.stderr].filter(Boolean).join("\n"), 20),
    );
  }
  get output(): string {
    return [this.result.stdout, this.result.stderr].filter(Boolean).join("\n");
  }
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

export interface PsEntry {
  service: string;
  name: string;
  state: string;
  health: string;
  publishers: Array<{ url: string; targetPort: number; publishedPort: number }>;
}

/**
 * One rendered compose project (the .fdock folder): each method builds its argv with composeArgv
 * and runs it through runCompose. `dockerArgs` go before `compose` (e.g. `--context fdock-NAME`).
 */
export class ComposeProject implements ComposeTarget {
  constructor(
    readonly bundleDir: string,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly dockerArgs: string[] = [],
    readonly onOutput?: (text: string) => void,
  ) {}

  private run(command: string, argv: Argv): Promise<RunResult> {
    return runCompose(command, argv, { cwd: this.bundleDir, env: this.env, onOutput: this.onOutput });
  }

  /** Builds every image the file names a build for: gunicorn, nginx and (production) front. */
  build(): Promise<RunResult> {
    return this.run("build", composeArgv.build(this));
  }

  /** Runs the release service once, removing its container after. */
  runRelease(): Promise<RunResult> {
    return this.run("run release", composeArgv.runRelease(this));
  }

  /**
   * Starts (or replaces) gunicorn and waits until it is healthy. gunicorn has no dependencies, so
   * --no-deps leaves its configuration (and compose's hash of it) as it is.
   */
  upGunicorn(): Promise<RunResult> {
    return this.run("up gunicorn", composeArgv.upGunicorn(this));
  }

  /**
   * A second container of a service, from the current image and configuration, beside the running
   * one, which stays as it is (--no-recreate, even when its configuration is out of date); waits
   * until both are healthy. --no-deps: nothing else is touched.
   */
  upBeside(service: "gunicorn" | "nginx"): Promise<RunResult> {
    return this.run(`up --scale ${service}=2`, composeArgv.upBeside(this, service));
  }

  /** Starts (or replaces) one service alone, touching no other, and waits until it is healthy. */
  upAlone(service: "gunicorn" | "nginx" | "front"): Promise<RunResult> {
    return this.run(`up ${service}`, composeArgv.upAlone(this, service));
  }

  /**
   * Starts (or replaces) nginx once gunicorn is healthy (its depends_on condition) and waits until
   * it is. Separate from upGunicorn because in one call compose recreates nginx whenever it
   * recreates gunicorn, so every redeploy would stop and start the proxy for nothing.
   */
  upNginx(): Promise<RunResult> {
    return this.run("up nginx", composeArgv.upNginx(this));
  }

  /** Starts the backing services after their credentials step; waits until they are healthy. */
  upServices(services: readonly string[]): Promise<RunResult> {
    return this.run(`up ${services.join(" ")}`, composeArgv.upServices(this, services));
  }

  /** Replaces the app's processes with the current image. */
  upProcesses(processes: readonly string[]): Promise<RunResult> {
    return this.run(`up ${processes.join(" ")}`, composeArgv.upProcesses(this, processes));
  }

  pull(services: readonly string[]): Promise<RunResult> {
    return this.run(`pull ${services.join(" ")}`, composeArgv.pull(this, services));
  }

  /** The hash compose labels each service's container with, by service; a container with another is out of date. */
  async configHashes(): Promise<Map<string, string>> {
    const result = await this.run("config --hash", composeArgv.configHashes(this));
    const pairs = result.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/));
    return new Map(pairs.filter((p) => p.length === 2).map(([service, hash]) => [service!, hash!]));
  }

  down(removeVolumes: boolean): Promise<RunResult> {
    return this.run("down", composeArgv.down(this, removeVolumes));
  }

  async ps(): Promise<PsEntry[]> {
    return parsePs((await this.run("ps", composeArgv.ps(this))).stdout);
  }

  /** The services' logs; with follow, they go to onOutput as they come until compose stops (Ctrl-C). */
  async logs(services: string[], opts: { follow?: boolean; tail?: number } = {}): Promise<string> {
    const result = await this.run("logs", composeArgv.logs(this, services, opts));
    return stripAnsi(result.stdout + result.stderr);
  }

  async publishedPort(service: string, port: number): Promise<number> {
    const result = await this.run("port", composeArgv.port(this, service, port));
    const published = parsePort(result.stdout);
    if (published === undefined) {
      throw new UserError(`Compose named no published port for ${service}'s port ${port} (it printed: ${result.stdout.trim() || "nothing"}).`, "`fdock ps` shows what runs; run `fdock up` again.");
    }
    return published;
  }

  /** `docker compose config`: compose's own validation of the rendered file. */
  config(): Promise<RunResult> {
    return this.run("config", composeArgv.configCheck(this));
  }
}

/**
 * The one way a compose command runs: streamed to onOutput, the environment passed whole; a
 * non-zero exit becomes a ComposeFailure (with what compose printed), a missing docker CLI a
 * UserError that says so.
 */
export async function runCompose(
  command: string,
  argv: Argv,
  opts: { cwd: string; env: NodeJS.ProcessEnv; onOutput?: (text: string) => void },
): Promise<RunResult> {
  let result: RunResult;
  try {
    result = await streamArgv(argv, opts);
  } catch (e) {
    throw new UserError(`Could not run \`docker compose ${command}\` (${(e as Error).message}).`, "Install the Docker CLI with its compose plugin (v2), and make sure `docker` is on PATH.");
  }
  if (result.exitCode !== 0) throw new ComposeFailure(command, result);
  return result;
}

/** `compose ps --format json` prints a JSON array (older) or one object per line (newer). */
export function parsePs(out: string): PsEntry[] {
  const text = out.trim();
  if (!text) return [];
  const rows: Array<Record<string, unknown>> = text.startsWith("[")
    ? (JSON.parse(text) as Array<Record<string, unknown>>)
    : text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return rows.map((r) => ({
    service: String(r.Service ?? ""),
    name: String(r.Name ?? ""),
    state: String(r.State ?? ""),
    health: String(r.Health ?? ""),
    publishers: ((r.Publishers as Array<Record<string, unknown>> | null) ?? [])
      .filter((p) => Number(p.PublishedPort) > 0)
      .map((p) => ({ url: String(p.URL ?? ""), targetPort: Number(p.TargetPort), publishedPort: Number(p.PublishedPort) })),
  }));
}
