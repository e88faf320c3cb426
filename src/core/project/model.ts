import { z } from "zod";
import { registryRepository } from "./registry-name.js";
import { imageReference, projectPath, serverName, urlPrefix } from "./value-schemas.js";

/**
 * The one typed project model: what fdock.yaml says, validated, with defaults applied.
 * Every renderer is a pure function of this (plus facts about the target engine).
 */

export const DEFAULT_PYTHON_IMAGE = "python:3.12-slim";
export const DEFAULT_NGINX_IMAGE = "nginx:stable";
export const CONFIG_FILE = "fdock.yaml";
export const CONFIG_VERSION = 1;
/** What the health check asks when fdock.yaml sets no health.path. */
export const DEFAULT_HEALTH_PATH = "/";

const appTarget = z
  .string()
  .regex(
    /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\(\))?$/,
    'must be MODULE:NAME or MODULE:FACTORY(), e.g. "main:app" or "flask_blog:create_app()"',
  );

// Values that land in nginx, the Dockerfiles or compose: see value-schemas.ts.
const relPath = projectPath;
const hostName = serverName;

const workerClass = z.enum(["auto", "sync", "gthread", "gevent"]);

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** The backing services fdock knows, each with its official image's repository and default tag. */
export const SERVICE_KINDS = { postgres: { repository: "postgres", version: "16" }, redis: { repository: "redis", version: "7" } } as const;
export type ServiceKind = keyof typeof SERVICE_KINDS;

/** One backing service: its image's major version, or an image of its own (which wins). */
const serviceSettings = (kind: ServiceKind) =>
  z.preprocess(
    (v) => v ?? {},
    z.strictObject({
      version: z
        .union([z.string(), z.number()])
        .transform(String)
        .pipe(z.string().regex(/^\d+(\.\d+)?$/, `must be a version number like "${SERVICE_KINDS[kind].version}"`))
        .default(SERVICE_KINDS[kind].version),
      image: imageReference.optional(),
    }),
  );

/** The image a service runs: its own `image`, else the official one at its version (postgres:16). */
export function serviceImage(config: ProjectConfig, kind: ServiceKind): string | undefined {
  const settings = config.services[kind];
  return settings && (settings.image ?? `${SERVICE_KINDS[kind].repository}:${settings.version}`);
}

/** The names compose already gives fdock's own services: a process cannot take them. */
export const RESERVED_PROCESS_NAMES = ["web", "gunicorn", "nginx", "front", "release", "run", "credentials", ...Object.keys(SERVICE_KINDS)] as const;

const processName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "must be lower-case letters, digits and -, starting with a letter (at most 40)")
  .refine((n) => !(RESERVED_PROCESS_NAMES as readonly string[]).includes(n), `must not be one of ${RESERVED_PROCESS_NAMES.join(", ")}`);

/**
 * HTTPS through the engine's edge (src/core/edge/): a certificate by ACME (Let's Encrypt unless
 * acme_directory says otherwise) for the app's server.names, or the user's own certificate and key.
 * Paths (acme_ca, certificate, key) are files on the deploying computer, relative to the project.
 */
const localFile = z.string().regex(/^[^\0-\x1f\x7f]+$/, "must be a file path (relative to the project, or absolute)");
const tlsSettings = z.preprocess(
  (v) => (v === false ? null : v === "auto" ? { auto: true } : v),
  z
    .strictObject({
      auto: z.literal(true).optional(),
      email: z.string().regex(/^[A-Za-z0-9.+_%=-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "must be an email address (the ACME account's)").optional(),
      acme_directory: z.string().regex(/^https:\/\/[^\s"'$;{}\\]+$/, "must be the ACME directory's https:// URL").optional(),
      acme_ca: localFile.optional(),
      certificate: localFile.optional(),
      key: localFile.optional(),
      /** HSTS max-age in seconds; 0 sends no HSTS header. */
      hsts: z.number().int().min(0).max(63_072_000).optional(),
    })
    .nullable(),
);

export const projectSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
  /** Compose project name; one per app. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - and _ (a compose project name)"),
  /** The WSGI target as gunicorn takes it. */
  app: appTarget,
  images: z
    .strictObject({
      python: imageReference.default(DEFAULT_PYTHON_IMAGE),
      nginx: imageReference.default(DEFAULT_NGINX_IMAGE),
    })
    .default({ python: DEFAULT_PYTHON_IMAGE, nginx: DEFAULT_NGINX_IMAGE }),
  workers: z
    .strictObject({
      class: workerClass.default("auto"),
      /** Worker processes; "auto" sizes them from the target engine's CPUs. */
      count: z.union([z.literal("auto"), positiveInt(256)]).default("auto"),
      threads: positiveInt(256).default(4),
      connections: positiveInt(100_000).default(1000),
      timeout: positiveInt(3600).default(30),
      /** On a cluster (`fdock up --remote CLUSTER`): gunicorn tasks; unset, one per node. */
      replicas: positiveInt(100).optional(),
    })
    .default({ class: "auto", count: "auto", threads: 4, connections: 1000, timeout: 30 }),
  static: z
    .strictObject({
      folder: relPath,
      url: urlPrefix.default("/static"),
    })
    .nullable()
    .default(null),
  server: z
    .strictObject({
      names: z.array(hostName).default([]),
      redirect_www: z.boolean().default(false),
      client_max_body_size: z.string().regex(/^\d+[kmgKMG]?$/, 'must be a size like "10m"').default("10m"),
    })
    .default({ names: [], redirect_www: false, client_max_body_size: "10m" }),
  tls: tlsSettings.default(null),
  env_file: relPath.nullable().default(null),
  /** Run once before the new app serves (database migrations). */
  release: z.string().min(1).nullable().default(null),
  /** Paths under the app folder kept on named volumes across redeploys. */
  persistent: z.array(relPath).default([]),
  /**
   * The gunicorn health check. Without a path it asks "/" and any answer below 500 counts (the
   * app imported and routes requests); a path set here must answer 2xx or 3xx (src/core/project/health.ts).
   */
  health: z
    .strictObject({ path: z.string().regex(/^\/[\w./-]*$/, 'must be a URL path starting with "/"').nullish() })
    .transform((h) => ({ path: h.path ?? DEFAULT_HEALTH_PATH, explicit: h.path != null }))
    .prefault({}),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Backing services on the app's internal network, wired to it by DATABASE_URL / REDIS_URL. */
  services: z
    .strictObject({ postgres: serviceSettings("postgres").optional(), redis: serviceSettings("redis").optional() })
    .default({}),
  /** Processes beside the web one (a worker), each a command run from the app's image. */
  processes: z.record(processName, z.string().trim().min(1, "must be a command (it is empty)")).default({}),
  /** On a cluster: push the images here (REGISTRY-gunicorn, REGISTRY-nginx) and let the nodes pull, instead of copying them. */
  registry: registryRepository.nullable().default(null),
});

export type ProjectConfig = z.infer<typeof projectSchema>;
export type ProjectInput = z.input<typeof projectSchema>;
export type WorkerClass = z.infer<typeof workerClass>;

/** A loaded project: the validated config plus what fdock learned from the folder. */
export interface Project {
  readonly dir: string;
  readonly config: ProjectConfig;
  /** Dependency files found in the project, relative to dir. */
  readonly requirements: RequirementsSource;
  /** The patterns of the project's own .dockerignore, in order (none when it has no such file). */
  readonly ignorePatterns?: readonly string[];
}

export type RequirementsSource =
  | { kind: "requirements.txt"; path: string; names: string[] }
  | { kind: "pyproject"; path: string; names: string[]; specs: string[] }
  | { kind: "none"; names: string[] };
