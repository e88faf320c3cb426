import { parse } from "yaml";
import { SERVICE_KINDS, serviceImage, type Project, type ServiceKind } from "../project/model.js";
import { CREDENTIALS_DIR, CREDENTIALS_VOLUME, postgresDataMount, REDIS_DATA_DIR } from "./layout.js";
import { renderTemplate } from "./templates.js";

type Service = Record<string, unknown>;

/** The backing services fdock.yaml names, in a fixed order (postgres before redis). */
export function serviceKinds(project: Project): ServiceKind[] {
  return (Object.keys(SERVICE_KINDS) as ServiceKind[]).filter((k) => project.config.services[k]);
}

/** The named volume holding a service's data (compose prefixes it with the project name). */
export function serviceVolume(kind: ServiceKind): string {
  return `${kind}-data`;
}

/** The credentials volume as the app's containers mount it: read-only. */
export const CREDENTIALS_MOUNT = `${CREDENTIALS_VOLUME}:${CREDENTIALS_DIR}:ro`;

/**
 * A process's line for `sh -c`, as a Procfile's shell runs it. A lone command is exec'd, so that
 * the stop signal reaches it rather than a shell that would not pass it on (Celery's warm
 * shutdown). A line with `;`, `&&`, `|`, `&` or a command substitution outside quotes stays a
 * shell script.
 */
export function processCommand(line: string): string {
  const unquoted = line.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "''");
  if (/[;&|`\n]|\$\(/.test(unquoted)) return line;
  // `exec` goes after leading assignments (`LOG=1 celery …`), which then apply to the command.
  const assignments = /^(\s*[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"(?:[^"\\]|\\.)*"|\S)*\s+)*/.exec(line)![0];
  return `${assignments}exec ${line.slice(assignments.length)}`;
}

/**
 * A shell line as compose must hold it to pass it on unchanged: compose fills `$VAR` from the
 * deploying computer's environment, so `$` becomes `$$` and the container's shell expands it
 * (`rq worker --url $REDIS_URL` gets the app's REDIS_URL, not the laptop's).
 */
export function composeLiteral(line: string): string {
  return line.replaceAll("$", "$$$$");
}

export interface AppContainer {
  /** The app's image (compose's name for the gunicorn build). */
  image: string;
  /** What every container of the app's image gets: environment, env_file, user, volumes. */
  shared: Service;
  stopGracePeriod: string;
}

export interface RenderedServices {
  services: Record<string, Service>;
  volumes: string[];
  /** What the app's own containers (gunicorn, release) wait for: each service healthy. */
  dependsOn: Record<string, { condition: string }>;
}

/**
 * The compose services for fdock.yaml's `services` and `processes`: a one-shot `credentials`
 * service that generates their passwords on the engine, each backing service on its named data
 * volume, health-checked and never published, and each process from the app's image. Pure.
 */
export function renderServices(project: Project, app: AppContainer): RenderedServices {
  const kinds = serviceKinds(project);
  const fragments = parse(renderTemplate("compose/services.yaml.tmpl")) as Record<string, Service>;
  const services: Record<string, Service> = {};
  const dependsOn = Object.fromEntries(kinds.map((k) => [k, { condition: "service_healthy" }]));

  const postgres = project.config.services.postgres;
  if (kinds.length) {
    services.credentials = {
      ...fragments.credentials,
      image: serviceImage(project.config, kinds[0]!),
      entrypoint: ["sh", "-c", composeLiteral(renderTemplate("compose/credentials.sh.tmpl")), "credentials"],
      command: kinds,
      // The image's VOLUME (its data folder) would get an anonymous volume each time, left behind
      // by every `fdock down`: an empty tmpfs there instead.
      tmpfs: [kinds[0] === "postgres" ? postgresDataMount(postgres!.version) : REDIS_DATA_DIR],
    };
  }
  if (postgres) {
    services.postgres = {
      ...fragments.postgres,
      image: serviceImage(project.config, "postgres"),
      volumes: [`${serviceVolume("postgres")}:${postgresDataMount(postgres.version)}`, CREDENTIALS_MOUNT],
    };
  }
  if (project.config.services.redis) {
    services.redis = {
      ...fragments.redis,
      image: serviceImage(project.config, "redis"),
      volumes: [`${serviceVolume("redis")}:${REDIS_DATA_DIR}`, CREDENTIALS_MOUNT],
    };
  }
  for (const [name, command] of Object.entries(project.config.processes)) {
    services[name] = {
      ...fragments.process,
      image: app.image,
      pull_policy: "never",
      ...app.shared,
      command: ["sh", "-c", composeLiteral(processCommand(command))],
      stop_grace_period: app.stopGracePeriod,
      ...(kinds.length ? { depends_on: dependsOn } : {}),
    };
  }
  return { services, volumes: [...kinds.map(serviceVolume), ...(kinds.length ? [CREDENTIALS_VOLUME] : [])], dependsOn };
}
