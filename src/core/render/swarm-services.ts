/**
 * fdock.yaml's `services` and `processes` in the Swarm stack file (compose/swarm-services.yaml.tmpl
 * beside compose/services.yaml.tmpl): each backing service one task pinned to the node that holds
 * its data volume, found by its name over the stack's overlay network; each process a replicated
 * service of the app's image. Credentials are Swarm secrets fdock creates once per app
 * (src/core/cluster/deploy/credentials.ts): the stack file names them, never their values. Pure.
 */
import { parse } from "yaml";
import type { Project, ServiceKind } from "../project/model.js";
import { serviceImage } from "../project/model.js";
import { CREDENTIALS_DIR, postgresDataMount, REDIS_DATA_DIR } from "./layout.js";
import { composeLiteral, processCommand, serviceKinds, serviceVolume } from "./services.js";
import { renderTemplate } from "./templates.js";

type Service = Record<string, unknown>;

/** The node label that marks where an app's services (and their data) live: `fdock.data.APP`. */
export function dataLabel(app: string): string {
  return `fdock.data.${app}`;
}
/** The service label recording the machine a service's data volume is on (checked by the next deploy). */
export const DATA_MACHINE_LABEL = "fdock.data.machine";

/**
 * The credential files of each service, generated together from its one password: the password
 * itself, what the service reads (redis.conf), and the variables the app gets (NAME.env).
 */
export const CREDENTIAL_FILES = {
  postgres: ["postgres-password", "postgres.env"],
  redis: ["redis-password", "redis.conf", "redis.env"],
} as const satisfies Record<ServiceKind, readonly string[]>;
export type CredentialFile = (typeof CREDENTIAL_FILES)[ServiceKind][number];

/** The Swarm secret holding one credential file of an app: `APP_FILE`. */
export function secretName(app: string, file: CredentialFile): string {
  return `${app}_${file}`;
}

/** Where a container finds a credential file: the folder the app env wrapper reads on one engine too. */
export function credentialPath(file: CredentialFile): string {
  return `${CREDENTIALS_DIR}/${file}`;
}

/** The files of one service's credentials, from its password (compose/swarm-NAME.tmpl). */
export function credentialContents(kind: ServiceKind, password: string): Record<string, string> {
  const files: Record<string, string> = { [`${kind}-password`]: password };
  for (const file of CREDENTIAL_FILES[kind].filter((f) => !f.endsWith("-password"))) {
    files[file] = renderTemplate(`compose/swarm-${file}.tmpl`, { password });
  }
  return files;
}

/** The credential files the app's containers (gunicorn, processes, the release, `fdock run`) get: each service's NAME.env. */
export function appCredentialFiles(project: Project): CredentialFile[] {
  return serviceKinds(project).map((k) => `${k}.env` as CredentialFile);
}

/** A service's `secrets:` entries: each file at its path in the credentials folder. */
function secretRefs(files: readonly CredentialFile[]): Array<{ source: string; target: string }> {
  return files.map((f) => ({ source: f, target: credentialPath(f) }));
}

export interface SwarmServicesPlan {
  /** The fdock machine whose node holds the services' data (labelled dataLabel(app)); needed with services. */
  dataMachine?: string;
  /** The image the processes run (the app's). */
  processImage: string;
  /** What every container of the app's image gets (environment, env_file), as gunicorn has it. */
  appShared: Service;
  stopGracePeriod: string;
}

export interface SwarmServices {
  /** postgres, redis: the backing services. */
  backing: Record<string, Service>;
  /** The processes (a worker). */
  processes: Record<string, Service>;
  /** The stack's named volumes (each service's data). */
  volumes: Record<string, Record<string, never>>;
  /** The stack's secrets: fdock's, created before the deploy (external), by their Swarm names. */
  secrets: Record<string, { external: true; name: string }>;
  /** What gunicorn adds: its `secrets:` (the services' variables), none without services. */
  appSecrets: Array<{ source: string; target: string }>;
}

export function renderSwarmServices(project: Project, plan: SwarmServicesPlan): SwarmServices {
  const { config } = project;
  const app = config.name;
  const kinds = serviceKinds(project);
  const oneEngine = parse(renderTemplate("compose/services.yaml.tmpl")) as Record<string, Service>;
  const swarm = parse(renderTemplate("compose/swarm-services.yaml.tmpl")) as Record<string, Service & { deploy: Service }>;
  const appSecrets = secretRefs(appCredentialFiles(project));

  const backing: Record<string, Service> = {};
  if (kinds.length && !plan.dataMachine) throw new Error("a stack with services needs the machine that holds their data");
  for (const kind of kinds) {
    // What one engine gives it (environment, health check, command, stop grace), less what Swarm has its own way for.
    const { restart: _r, depends_on: _d, networks: _n, ...same } = oneEngine[kind]!;
    const mount = kind === "postgres" ? postgresDataMount(config.services.postgres!.version) : REDIS_DATA_DIR;
    backing[kind] = {
      image: serviceImage(config, kind),
      ...same,
      networks: swarm.service!.networks,
      volumes: [`${serviceVolume(kind)}:${mount}`],
      secrets: secretRefs(CREDENTIAL_FILES[kind].filter((f) => !f.endsWith(".env"))),
      deploy: {
        ...swarm.service!.deploy,
        placement: { constraints: [`node.labels.${dataLabel(app)} == true`] },
        labels: { [DATA_MACHINE_LABEL]: plan.dataMachine! },
      },
    };
  }
  const processes: Record<string, Service> = {};
  for (const [name, command] of Object.entries(config.processes)) {
    const { deploy, ...rest } = swarm.process!;
    processes[name] = {
      image: plan.processImage,
      command: ["sh", "-c", composeLiteral(processCommand(command))],
      ...plan.appShared,
      ...rest,
      ...(appSecrets.length ? { secrets: appSecrets } : {}),
      stop_grace_period: plan.stopGracePeriod,
      deploy,
    };
  }
  const files = kinds.flatMap((k) => CREDENTIAL_FILES[k]);
  return {
    backing,
    processes,
    volumes: Object.fromEntries(kinds.map((k) => [serviceVolume(k), {}])),
    secrets: Object.fromEntries(files.map((f) => [f, { external: true as const, name: secretName(app, f) }])),
    appSecrets,
  };
}
