/**
 * `fdock exec SERVICE -- CMD…`: CMD in the running container of one of the project's services
 * (gunicorn, nginx, front, a backing service or a process), on the local engine or a machine's.
 * The container is found by compose's labels, so it works whatever the last `fdock up` rendered.
 */
import type Docker from "dockerode";
import { connectEngine } from "../engine/engine.js";
import { UserError } from "../errors.js";
import { runArgvInteractive } from "../exec.js";
import { loadProject } from "../project/config-file.js";
import type { ProjectConfig } from "../project/model.js";
import { COMPOSE_LABELS } from "../render/layout.js";
import { engineTarget, type RemoteChoice } from "./engine-target.js";
import { execArgv } from "./exec-argv.js";

export interface ExecRequest {
  dir: string;
  remote: RemoteChoice;
  env: NodeJS.ProcessEnv;
  service: string;
  command: readonly string[];
  /** stdin and stdout are a terminal: the command gets a TTY. */
  tty: boolean;
}

/** The compose services a project has (whether they run or not): fdock's own, its backing services and processes. */
export function projectServices(config: ProjectConfig): string[] {
  const backing = Object.entries(config.services).filter(([, settings]) => settings).map(([kind]) => kind);
  return ["gunicorn", "nginx", "front", ...backing, ...Object.keys(config.processes)];
}

/** The services whose containers run the app's image and environment: gunicorn and the processes. */
export function isAppService(config: ProjectConfig, service: string): boolean {
  return service === "gunicorn" || service in config.processes;
}

/**
 * The project's running containers by service, each service's in compose's numbering order;
 * one-off containers (`fdock run`, the release command) are not a service's.
 */
export async function runningByService(docker: Docker, project: string): Promise<Map<string, string[]>> {
  const containers = await docker.listContainers({ filters: { label: [`${COMPOSE_LABELS.project}=${project}`], status: ["running"] } });
  const byService = new Map<string, Array<{ name: string; number: number }>>();
  for (const c of containers) {
    if (c.Labels[COMPOSE_LABELS.oneoff] === "True") continue;
    const service = c.Labels[COMPOSE_LABELS.service] ?? "";
    const list = byService.get(service) ?? [];
    list.push({ name: (c.Names[0] ?? c.Id).replace(/^\//, ""), number: Number(c.Labels[COMPOSE_LABELS.containerNumber] ?? 0) });
    byService.set(service, list);
  }
  return new Map([...byService].map(([service, list]) => [service, list.sort((a, b) => a.number - b.number).map((c) => c.name)]));
}

/** The container exec goes into: the service's first running one; a UserError that says what runs otherwise. */
export function containerFor(config: ProjectConfig, running: Map<string, string[]>, service: string, where: { here: string; remote: string }): string {
  const first = running.get(service)?.[0];
  if (first) return first;
  const known = projectServices(config);
  const up = `\`fdock up${where.remote}\``;
  if (!known.includes(service)) {
    throw new UserError(`"${service}" is not a service of ${config.name}: it has ${known.join(", ")}.`, `Name one of those, e.g. \`fdock exec${where.remote} gunicorn -- python -V\`.`);
  }
  if (running.size === 0) {
    throw new UserError(`${service} is not running${where.here}: nothing of ${config.name} runs there.`, `Start the app with ${up}, then run this command again.`);
  }
  const others = [...running.keys()].sort().join(", ");
  throw new UserError(`${service} has no running container${where.here}; what runs: ${others}.`, `Exec into one of those, or start the app with ${up}; \`fdock ps${where.remote}\` shows every container.`);
}

/** Runs CMD in SERVICE's running container with the terminal attached; resolves to CMD's exit code. */
export async function execIn(req: ExecRequest): Promise<number> {
  const target = await engineTarget(req.remote, req.env);
  const { config } = loadProject(req.dir, req.env);
  const docker = target?.docker ?? (await connectEngine(req.env));
  const where = target ? { here: ` on machine ${target.name}`, remote: ` --remote ${target.name}` } : { here: " here", remote: "" };
  const container = containerFor(config, await runningByService(docker, config.name), req.service, where);
  const argv = execArgv(target?.dockerArgs ?? [], container, req.command, { tty: req.tty, appEnv: isAppService(config, req.service) });
  try {
    return await runArgvInteractive(argv, { env: target?.env ?? req.env });
  } catch (e) {
    throw new UserError(`Could not run \`docker exec\` (${(e as Error).message}).`, "Install the Docker CLI and make sure `docker` is on PATH.");
  }
}
