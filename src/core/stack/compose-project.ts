import type { IDockerComposeOptions, IDockerComposeResult } from "docker-compose";
import * as compose from "docker-compose";
import { COMPOSE_FILE } from "../render/bundle.js";

/** A compose command that exited non-zero, with what it printed. */
export class ComposeFailure extends Error {
  constructor(readonly command: string, readonly result: IDockerComposeResult) {
    super(`docker compose ${command} failed (exit ${result.exitCode}): ${lastLines(result.err || result.out, 3)}`);
  }
  get output(): string {
    return [this.result.out, this.result.err].filter(Boolean).join("\n");
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
 * One rendered compose project (the .fdock folder), driven through the npm docker-compose
 * package. `dockerArgs` go before `compose` (e.g. `--context fdock-NAME` for a machine).
 */
export class ComposeProject {
  constructor(
    readonly bundleDir: string,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly dockerArgs: string[] = [],
    readonly onOutput?: (text: string) => void,
  ) {}

  private options(commandOptions: string[] = [], extra: Partial<IDockerComposeOptions> = {}): IDockerComposeOptions {
    return {
      cwd: this.bundleDir,
      config: COMPOSE_FILE,
      // The package replaces the child's environment: pass all of it.
      env: { ...this.env },
      executable: { executablePath: "docker", options: this.dockerArgs },
      commandOptions,
      callback: this.onOutput ? (chunk) => this.onOutput!(chunk.toString()) : undefined,
      ...extra,
    };
  }

  private async call(command: string, fn: () => Promise<IDockerComposeResult>): Promise<IDockerComposeResult> {
    try {
      return await fn();
    } catch (e) {
      if (e && typeof e === "object" && "exitCode" in e) throw new ComposeFailure(command, e as IDockerComposeResult);
      throw e;
    }
  }

  /** Builds every image the file names a build for: gunicorn, nginx and (production) front. */
  build(): Promise<IDockerComposeResult> {
    return this.call("build", () => compose.buildAll(this.options()));
  }

  /** Runs the release service once, removing its container after. */
  runRelease(): Promise<IDockerComposeResult> {
    return this.call("run release", () => compose.run("release", [], this.options(["--rm", "--no-deps"])));
  }

  /**
   * Starts (or replaces) gunicorn and waits until it is healthy. gunicorn has no dependencies, so
   * --no-deps leaves its configuration (and compose's hash of it) as it is.
   */
  upGunicorn(): Promise<IDockerComposeResult> {
    return this.call("up gunicorn", () => compose.upOne("gunicorn", this.options(["--detach", "--wait", "--no-build", "--no-deps", "--remove-orphans"])));
  }

  /**
   * Starts a second gunicorn from the current image and configuration beside the running one,
   * which stays as it is, and waits until both are healthy (a redeploy without a gap).
   */
  upGunicornBeside(): Promise<IDockerComposeResult> {
    return this.upBeside("gunicorn");
  }

  /**
   * A second container of a service, from the current image and configuration, beside the running
   * one, which stays as it is (--no-recreate, even when its configuration is out of date); waits
   * until both are healthy. --no-deps: nothing else is touched.
   */
  upBeside(service: "gunicorn" | "nginx"): Promise<IDockerComposeResult> {
    return this.call(`up --scale ${service}=2`, () =>
      compose.upOne(service, this.options(["--detach", "--wait", "--no-build", "--no-deps", "--no-recreate", "--scale", `${service}=2`])),
    );
  }

  /** Starts (or replaces) one service alone, touching no other, and waits until it is healthy. */
  upAlone(service: "gunicorn" | "nginx" | "front"): Promise<IDockerComposeResult> {
    return this.call(`up ${service}`, () => compose.upOne(service, this.options(["--detach", "--wait", "--no-build", "--no-deps"])));
  }

  /**
   * Starts (or replaces) nginx once gunicorn is healthy (its depends_on condition) and waits until
   * it is. Separate from upGunicorn because in one call compose recreates nginx whenever it
   * recreates gunicorn, so every redeploy would stop and start the proxy for nothing.
   */
  upNginx(): Promise<IDockerComposeResult> {
    return this.call("up nginx", () => compose.upOne("nginx", this.options(["--detach", "--wait", "--no-build"])));
  }

  /** The hash compose labels each service's container with, by service; a container with another is out of date. */
  async configHashes(): Promise<Map<string, string>> {
    const result = await this.call("config --hash", () => compose.execCompose("config", [], this.options(["--hash", "*"])));
    const pairs = result.out.trim().split("\n").map((l) => l.trim().split(/\s+/));
    return new Map(pairs.filter((p) => p.length === 2).map(([service, hash]) => [service!, hash!]));
  }

  down(removeVolumes: boolean): Promise<IDockerComposeResult> {
    const opts = ["--remove-orphans", ...(removeVolumes ? ["--volumes"] : [])];
    return this.call("down", () => compose.down(this.options(opts)));
  }

  async ps(): Promise<PsEntry[]> {
    const result = await this.call("ps", () => compose.execCompose("ps", [], this.options(["--all", "--format", "json"])));
    return parsePs(result.out);
  }

  async logs(services: string[], opts: { follow?: boolean; tail?: number } = {}): Promise<string> {
    const commandOptions = ["--no-color", ...(opts.tail ? ["--tail", String(opts.tail)] : [])];
    const result = await this.call("logs", () =>
      compose.logs(services, { ...this.options(commandOptions), follow: opts.follow }),
    );
    return stripAnsi(result.out + result.err);
  }

  async publishedPort(service: string, port: number): Promise<number> {
    let published = 0;
    await this.call("port", async () => {
      const result = await compose.port(service, port, this.options());
      published = result.data.port;
      return result;
    });
    return published;
  }

  /** `docker compose config`: compose's own validation of the rendered file. */
  config(): Promise<IDockerComposeResult> {
    return this.call("config", () => compose.execCompose("config", [], this.options(["--quiet"])));
  }
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
