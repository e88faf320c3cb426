import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderBundle } from "../../src/core/render/bundle.js";
import { renderCompose } from "../../src/core/render/compose.js";
import { processCommand } from "../../src/core/render/services.js";
import type { Target } from "../../src/core/render/target.js";

function project(yaml: string): Project {
  return {
    dir: "/p",
    config: parseConfigText(`name: blog\napp: "blog:create_app()"\nrelease: flask db upgrade\nenv_file: .env\npersistent: [instance]\n${yaml}`),
    requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask", "gunicorn"] },
  };
}
const prod: Target = { mode: "production", cpus: 2, publish: { host: null, port: 80 } };
const dev: Target = { mode: "development", cpus: 2, publish: { host: "127.0.0.1", port: 8080 }, devUser: "1000:1000" };
type Compose = { services: Record<string, Record<string, any>>; volumes?: Record<string, unknown> };
const composeOf = (p: Project, t: Target) => parse(renderCompose(p, planWorkers(p.config, p.requirements.names, t.cpus), t)) as Compose;

const full = project(`services:\n  postgres: {version: "16"}\n  redis: {}\nprocesses:\n  worker: celery -A blog.tasks worker --loglevel=info\n`);

describe("backing services and processes in the compose file", () => {
  it("runs the official images at their versions, on the internal network only, never published", () => {
    const { services } = composeOf(full, prod);
    expect(services.postgres!.image).toBe("postgres:16");
    expect(services.redis!.image).toBe("redis:7");
    for (const s of ["postgres", "redis", "worker"]) expect(services[s]!.ports).toBeUndefined();
    for (const s of ["postgres", "redis"]) expect(services[s]!.networks).toEqual(["internal"]);
    // A worker calls out (mail, APIs) like the web app: the egress network is its way out.
    expect(services.worker!.networks).toEqual(["internal", "egress"]);
    expect(composeOf(project(`services:\n  postgres: {version: "15", image: "registry.example/pg:15"}\n`), prod).services.postgres!.image).toBe("registry.example/pg:15");
  });

  it("keeps each service's data on a named volume at the place its image keeps it", () => {
    const c = composeOf(full, prod);
    expect(c.services.postgres!.volumes).toEqual(["postgres-data:/var/lib/postgresql/data", "credentials:/run/fdock/credentials:ro"]);
    expect(c.services.redis!.volumes).toEqual(["redis-data:/data", "credentials:/run/fdock/credentials:ro"]);
    expect(Object.keys(c.volumes!).sort()).toEqual(["credentials", "data-instance", "postgres-data", "redis-data"]);
    // Development too: the services' data is not the source tree.
    expect(Object.keys(composeOf(full, dev).volumes!).sort()).toEqual(["credentials", "postgres-data", "redis-data"]);
    // From 18 the official image keeps a folder per major version below /var/lib/postgresql.
    expect(composeOf(project(`services:\n  postgres: {version: "18"}\n`), prod).services.postgres!.volumes[0]).toBe("postgres-data:/var/lib/postgresql");
  });

  it("generates credentials on the engine: the file names a password file, never a password", () => {
    const text = renderCompose(full, planWorkers(full.config, [], 2), prod);
    const c = parse(text) as Compose;
    expect(c.services.credentials).toMatchObject({ image: "postgres:16", network_mode: "none", restart: "no", command: ["postgres", "redis"], volumes: ["credentials:/run/fdock/credentials"] });
    expect(c.services.credentials!.entrypoint.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(c.services.credentials!.entrypoint[2]).toContain('pw=$$(password postgres-password)');
    expect(c.services.postgres!.environment).toEqual({ POSTGRES_USER: "app", POSTGRES_DB: "app", POSTGRES_PASSWORD_FILE: "/run/fdock/credentials/postgres-password" });
    expect(c.services.redis!.command).toEqual(["redis-server", "/run/fdock/credentials/redis.conf"]);
    // Only the script that makes them on the engine names the variables; no value is anywhere.
    const { credentials, ...others } = c.services;
    expect(JSON.stringify(others)).not.toMatch(/PASSWORD(?!_FILE)|DATABASE_URL|REDIS_URL|requirepass/);
    expect(credentials!.entrypoint[2]).toContain("od -An -N24 -tx1 /dev/urandom");
    expect(text).not.toMatch(/[0-9a-f]{32}/);
    for (const s of ["postgres", "redis"]) expect(c.services[s]!.depends_on).toEqual({ credentials: { condition: "service_completed_successfully" } });
  });

  it("gives the app, its release and its processes the credentials read-only, and waits for the services to be healthy", () => {
    const { services } = composeOf(full, prod);
    const healthy = { postgres: { condition: "service_healthy" }, redis: { condition: "service_healthy" } };
    for (const s of ["gunicorn", "release", "worker"]) {
      expect(services[s]!.volumes).toContain("credentials:/run/fdock/credentials:ro");
      expect(services[s]!.depends_on).toEqual(healthy);
    }
    expect(services.worker).toMatchObject({
      image: "fdock-blog-gunicorn:latest",
      command: ["sh", "-c", "exec celery -A blog.tasks worker --loglevel=info"],
      environment: { FDOCK_APP: "blog:create_app()" },
      env_file: ["../.env"],
      restart: "unless-stopped",
      init: true,
      stop_grace_period: services.gunicorn!.stop_grace_period,
    });
    // Development: the process runs the mounted source as the invoking user, like gunicorn.
    const d = composeOf(full, dev).services.worker!;
    expect(d.user).toBe("1000:1000");
    expect(d.volumes).toContain("..:/app");
  });

  it("execs a lone command, so the process itself gets the stop signal; a shell line stays one", () => {
    expect(processCommand("rq worker --url $REDIS_URL")).toBe("exec rq worker --url $REDIS_URL");
    expect(processCommand("python manage.py wait && celery -A x worker")).toBe("python manage.py wait && celery -A x worker");
    expect(processCommand("a | b")).toBe("a | b");
    expect(processCommand("echo $(date)")).toBe("echo $(date)");
    expect(processCommand(`python -c "import time; time.sleep(1)"`)).toBe(`exec python -c "import time; time.sleep(1)"`);
    expect(processCommand(`python -c 'a(); b()' && c`)).toBe(`python -c 'a(); b()' && c`);
    expect(processCommand(`C_FORCE_ROOT=1 LOG="a b" celery -A x worker`)).toBe(`C_FORCE_ROOT=1 LOG="a b" exec celery -A x worker`);
  });

  it("passes $ in a process or release line to the container's shell, not to compose's interpolation", () => {
    const p = project(`processes:\n  worker: rq worker --url $REDIS_URL\n`);
    const c = composeOf({ ...p, config: { ...p.config, release: "flask db upgrade --x ${HOME}" } }, prod);
    expect(c.services.worker!.command).toEqual(["sh", "-c", "exec rq worker --url $$REDIS_URL"]);
    expect(c.services.release!.command).toEqual(["sh", "-c", "flask db upgrade --x $${HOME}"]);
  });

  it("leaves the topology as it was for an app without services", () => {
    const c = composeOf(project(""), prod);
    expect(Object.keys(c.services).sort()).toEqual(["front", "gunicorn", "nginx", "release", "run"]);
    expect(c.services.gunicorn!.volumes).toEqual(["data-instance:/app/instance"]);
    expect(c.services.gunicorn!.depends_on).toBeUndefined();
  });

  it("builds an image whose entrypoint exports the service variables the environment does not set", () => {
    const bundle = renderBundle(full, planWorkers(full.config, [], 2), prod);
    expect(bundle["gunicorn.Dockerfile"]).toContain('ENTRYPOINT ["sh", "/etc/fdock/with-app-env"]');
    expect(bundle["gunicorn.Dockerfile"]).toMatch(/COPY .*\.fdock\/with-app-env \/etc\/fdock\//);
    expect(bundle["gunicorn.Dockerfile.dockerignore"]).toContain("!.fdock/with-app-env");
    // app.env on one engine; each service's NAME.env on a cluster.
    expect(bundle["with-app-env"]).toContain("for f in /run/fdock/credentials/*.env; do");
  });
});
