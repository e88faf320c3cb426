/**
 * fdock's layout: the ports, paths, labels and names that the generated files and the code that
 * talks to running containers must agree on. Written here once; templates get them through
 * LAYOUT_VALUES ({{gunicorn_port}}, {{static_root}} ...).
 */

/** The folder under the project where fdock writes the files it generates (the bundle). */
export const BUNDLE_DIR = ".fdock";
/** The bundle's compose file. */
export const COMPOSE_FILE = "compose.yaml";

/** The port gunicorn binds in its container (nginx's upstream, the health check, EXPOSE). */
export const GUNICORN_PORT = 8000;
/** The port the app's nginx and the front listen on in their containers. */
export const HTTP_PORT = 80;

/** The app's code in the gunicorn image (WORKDIR), and the development mount of the project. */
export const APP_DIR = "/app";
/** fdock's gunicorn settings, WSGI entry and health check in the gunicorn image. */
export const GUNICORN_FILES_DIR = "/etc/fdock";
/** Where nginx serves the project's static folder from. */
export const STATIC_ROOT = "/usr/share/nginx/fdock-static";
/**
 * The servers of the app nginx's upstream, a file of its own so that a redeploy can point nginx
 * at one container's address and back (src/core/stack/blue-green.ts) without rebuilding the image.
 */
export const NGINX_UPSTREAM_FILE = "/etc/nginx/fdock/upstream.conf";
/** The front's upstream servers inside its container (a redeploy rewrites it). */
export const FRONT_UPSTREAM_FILE = "/etc/nginx/fdock/front-upstream.conf";

/**
 * Where the app's containers (web, processes, release, `fdock run`) and the services find the
 * credentials fdock generated for this app on its engine: a named volume, mounted read-only.
 * Generated there once and never sent anywhere (src/core/stack/credentials.ts).
 */
export const CREDENTIALS_DIR = "/run/fdock/credentials";
/** The compose volume that holds them (the project's `credentials` volume). */
export const CREDENTIALS_VOLUME = "credentials";
/**
 * In the gunicorn image: exports the credentials' variables that the environment does not set
 * already (the env file wins), then runs its arguments. The image's ENTRYPOINT; `fdock exec`
 * runs commands through it too.
 */
export const APP_ENV_WRAPPER = `${GUNICORN_FILES_DIR}/with-app-env`;

/** The user and database name fdock's services create for the app (each app has its own services). */
export const SERVICE_USER = "app";
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

/**
 * Where a postgres image keeps its data, the mount point of the app's postgres-data volume:
 * /var/lib/postgresql/data up to 17; from 18 the official image keeps it in a folder per major
 * version below /var/lib/postgresql (so that pg_upgrade --link can work in one volume).
 */
export function postgresDataMount(version: string): string {
  return Number.parseInt(version, 10) >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
}
export const REDIS_DATA_DIR = "/data";

/** The compose service `fdock run` starts one-off containers of (compose/topology.yaml.tmpl). */
export const RUN_SERVICE = "run";

/** The front's listen backlog, and the somaxconn compose gives its container to match. */
export const FRONT_BACKLOG = 4096;

/** Labels Docker Compose puts on the containers and images it creates. */
export const COMPOSE_LABELS = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  containerNumber: "com.docker.compose.container-number",
  configHash: "com.docker.compose.config-hash",
  /** "True" on a one-off container (`compose run`: `fdock run`, the release command). */
  oneoff: "com.docker.compose.oneoff",
} as const;

/** Prefix of the labels fdock puts on its own containers and images (owner, deploy lock, release). */
export const FDOCK_LABEL_PREFIX = "dev.fdock";

/** The services fdock builds an image for. */
export type ImageService = "gunicorn" | "nginx" | "front";

/** The repository of a project's image for a service (tagged :latest, or a release's id). */
export function imageRepo(projectName: string, service: ImageService | "release"): string {
  return `fdock-${projectName}-${service}`;
}

/** Volume name for a persistent path: "instance" -> "data-instance", "var/uploads" -> "data-var-uploads". */
export function volumeName(path: string): string {
  return "data-" + path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** The layout as template values: every template may use these placeholders. */
export const LAYOUT_VALUES = {
  bundle_dir: BUNDLE_DIR,
  gunicorn_port: GUNICORN_PORT,
  http_port: HTTP_PORT,
  app_dir: APP_DIR,
  gunicorn_files_dir: GUNICORN_FILES_DIR,
  static_root: STATIC_ROOT,
  nginx_upstream_file: NGINX_UPSTREAM_FILE,
  front_upstream_file: FRONT_UPSTREAM_FILE,
  front_backlog: FRONT_BACKLOG,
  credentials_dir: CREDENTIALS_DIR,
  credentials_volume: CREDENTIALS_VOLUME,
  service_user: SERVICE_USER,
  postgres_port: POSTGRES_PORT,
  redis_port: REDIS_PORT,
  redis_data_dir: REDIS_DATA_DIR,
  app_env_wrapper: APP_ENV_WRAPPER,
} as const;
