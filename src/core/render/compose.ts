import { parse, stringify } from "yaml";
import { healthRule } from "../project/health.js";
import type { Project } from "../project/model.js";
import type { WorkerPlan } from "../project/workers.js";
import { fitServicesToEngine } from "./engine-compat.js";
import { nginxLimits } from "./nginx-main.js";
import { APP_DIR, BUNDLE_DIR, FRONT_BACKLOG, HTTP_PORT, imageRepo, type ImageService, STATIC_ROOT, volumeName } from "./layout.js";
import { composeLiteral, CREDENTIALS_MOUNT, renderServices, serviceKinds } from "./services.js";
import type { Target } from "./target.js";
import { renderTemplate } from "./templates.js";

type Service = Record<string, unknown>;
interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  networks: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}

/** The compose key of the engine's edge network (external: the edge's, shared by every app). */
const EDGE_NETWORK_KEY = "fdock-edge";

/** Paths in the compose file are relative to .fdock/, where it is written. */
const PROJECT_ROOT = "..";

/** The image compose builds for a service: its repository, tagged latest. */
export function imageName(project: Project, service: ImageService): string {
  return `${imageRepo(project.config.name, service)}:latest`;
}

export function gunicornEnvironment(project: Project, plan: WorkerPlan, target: Target): Record<string, string> {
  const env: Record<string, string> = {
    FDOCK_APP: project.config.app,
    FDOCK_WORKER_CLASS: plan.workerClass,
    FDOCK_WORKERS: String(plan.workers),
    FDOCK_TIMEOUT: String(plan.timeout),
    FDOCK_HEALTH_PATH: project.config.health.path,
    FDOCK_HEALTH_BELOW: String(healthRule(project.config).below),
  };
  if (plan.workerClass === "gthread") env.FDOCK_THREADS = String(plan.threads);
  if (plan.workerClass === "gevent") env.FDOCK_WORKER_CONNECTIONS = String(plan.connections);
  if (target.mode === "development") env.FDOCK_RELOAD = "1";
  // A uid with no passwd entry has no home: Python and pip fall back to "/", which it cannot write.
  if (target.devUser) env.HOME = "/tmp";
  return env;
}

function publishSpec(target: Target): string {
  const { host, port } = target.publish;
  const hostPort = port === 0 ? "" : String(port);
  return host ? `${host}:${hostPort}:${HTTP_PORT}` : port === 0 ? String(HTTP_PORT) : `${hostPort}:${HTTP_PORT}`;
}

/** A service's image and how compose builds it: from the project folder, with fdock's Dockerfile for it. */
function builtFromProject(project: Project, service: "gunicorn" | "nginx", args: Record<string, string>): Service {
  return { image: imageName(project, service), build: { context: PROJECT_ROOT, dockerfile: `${BUNDLE_DIR}/${service}.Dockerfile`, args } };
}

/** The compose file for a project on a target: a pure function of both. */
export function renderCompose(project: Project, plan: WorkerPlan, target: Target): string {
  const { config } = project;
  const compose = parse(renderTemplate("compose/topology.yaml.tmpl")) as ComposeFile;
  const dev = target.mode === "development";
  // In development the persistent paths are the project's own folders inside the mounted source
  // (as `flask run` uses them), written by the user; production keeps them on named volumes.
  const persistentMounts = dev ? [] : config.persistent.map((p) => `${volumeName(p)}:${APP_DIR}/${p}`);
  const user = dev && target.devUser ? { user: target.devUser } : {};
  const envFile = config.env_file ? { env_file: [`${PROJECT_ROOT}/${config.env_file}`] } : {};

  const gunicorn = compose.services.gunicorn!;
  Object.assign(gunicorn, {
    ...builtFromProject(project, "gunicorn", { PYTHON_IMAGE: config.images.python }),
    environment: gunicornEnvironment(project, plan, target),
    ...user,
    ...envFile,
    // gunicorn's graceful stop lets requests run up to the worker timeout: do not kill it sooner.
    stop_grace_period: `${plan.timeout + 5}s`,
  });
  const hasServices = serviceKinds(project).length > 0;
  const gunicornVolumes = [...(dev ? [`${PROJECT_ROOT}:${APP_DIR}`] : []), ...persistentMounts, ...(hasServices ? [CREDENTIALS_MOUNT] : [])];
  if (gunicornVolumes.length) gunicorn.volumes = gunicornVolumes;
  // What the app's one-off containers (release, processes) share with gunicorn.
  const appShared = {
    environment: { FDOCK_APP: config.app, ...(target.devUser ? { HOME: "/tmp" } : {}) },
    ...user,
    ...envFile,
    ...(gunicornVolumes.length ? { volumes: gunicornVolumes } : {}),
  };
  const extra = renderServices(project, { image: imageName(project, "gunicorn"), shared: appShared, stopGracePeriod: String(gunicorn.stop_grace_period) });
  if (hasServices) gunicorn.depends_on = extra.dependsOn;

  const nginx = compose.services.nginx!;
  Object.assign(nginx, {
    ...builtFromProject(project, "nginx", { NGINX_IMAGE: config.images.nginx }),
    // The queue nginx's `listen ... backlog=` asks for: the kernel caps it at somaxconn (128 before Linux 5.4).
    sysctls: { "net.core.somaxconn": nginxLimits(plan).clients },
  });
  // Production: only the front publishes, so a new nginx can start beside the old one.
  if (dev) nginx.ports = [publishSpec(target)];
  if (dev) delete compose.services.front;
  else {
    const front = compose.services.front!;
    Object.assign(front, {
      image: imageName(project, "front"),
      build: { context: ".", dockerfile: "front.Dockerfile", args: { NGINX_IMAGE: config.images.nginx } },
      // front.conf's `listen ... backlog=`: every client arrives here first.
      sysctls: { "net.core.somaxconn": FRONT_BACKLOG },
    });
    if (target.edge) {
      // Behind the engine's edge: no port of its own; the edge reaches it by its alias.
      front.networks = { edge: {}, [EDGE_NETWORK_KEY]: { aliases: [target.edge.alias] } };
      compose.networks[EDGE_NETWORK_KEY] = { external: true, name: target.edge.network };
    } else {
      front.ports = [publishSpec(target)];
    }
  }
  if (dev && config.static) nginx.volumes = [`${PROJECT_ROOT}/${config.static.folder}:${STATIC_ROOT}:ro`];

  if (config.release) {
    Object.assign(compose.services.release!, {
      image: imageName(project, "gunicorn"),
      command: ["sh", "-c", composeLiteral(config.release)],
      ...appShared,
      ...(hasServices ? { depends_on: extra.dependsOn } : {}),
    });
  } else {
    delete compose.services.release;
  }

  Object.assign(compose.services, extra.services);
  fitServicesToEngine(compose.services, target.engine);
  const volumes = Object.fromEntries([...(dev ? [] : config.persistent.map(volumeName)), ...extra.volumes].map((v) => [v, {}]));
  const out: ComposeFile = { name: config.name, services: compose.services, networks: compose.networks };
  if (Object.keys(volumes).length) out.volumes = volumes;
  return `# Generated by fdock (${target.mode}) from fdock.yaml: edit fdock.yaml, not this file.\n` + stringify(out, { lineWidth: 0 });
}
