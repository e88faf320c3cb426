import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderSwarmStack, type SwarmPlan } from "../../src/core/render/swarm-compose.js";
import { credentialContents } from "../../src/core/render/swarm-services.js";

const withServices = `services:\n  postgres:\n    version: "16"\n  redis: {}\nprocesses:\n  worker: celery -A tasks.worker worker --url $REDIS_URL\nenv_file: .env\n`;
function project(yaml = withServices): Project {
  return { dir: "/p", config: parseConfigText(`name: tasks\napp: "tasks:create_app()"\n${yaml}`, {}), requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask", "gunicorn"] } };
}
const swarm: SwarmPlan = {
  replicas: 2,
  images: { gunicorn: "fdock-tasks-gunicorn:0123456789ab", nginx: "fdock-tasks-nginx:ba9876543210" },
  port: 8081,
  services: { dataMachine: "m1", processImage: "fdock-tasks-gunicorn:aaaaaaaaaaaa" },
};
type Stack = { services: Record<string, Record<string, any>>; networks: Record<string, any>; volumes?: Record<string, any>; secrets?: Record<string, any> };
const render = (p: Project, part: "all" | "services" = "all") => renderSwarmStack(p, planWorkers(p.config, p.requirements.names, 2), swarm, part);
const stackOf = (p: Project, part: "all" | "services" = "all") => parse(render(p, part)) as Stack;

describe("services and processes in the Swarm stack file", () => {
  it("runs postgres:16 and redis:7 on the node labelled for the app's data, each on its named volume, by DNS, never published", () => {
    const { services, volumes } = stackOf(project());
    expect(services.postgres!.image).toBe("postgres:16");
    expect(services.redis!.image).toBe("redis:7");
    for (const kind of ["postgres", "redis"]) {
      const s = services[kind]!;
      expect(s.deploy).toMatchObject({ mode: "replicated", replicas: 1, endpoint_mode: "dnsrr", placement: { constraints: ["node.labels.fdock.data.tasks == true"] }, labels: { "fdock.data.machine": "m1" } });
      // One task on its data: never two at once.
      expect(s.deploy.update_config.order).toBe("stop-first");
      expect(s.networks).toEqual(["app"]);
      expect(s.ports).toBeUndefined();
      expect(s.healthcheck.test.length).toBeGreaterThan(1);
      // What compose on one engine has and Swarm ignores (or refuses).
      expect(s.restart).toBeUndefined();
      expect(s.depends_on).toBeUndefined();
    }
    expect(services.postgres!.volumes).toEqual(["postgres-data:/var/lib/postgresql/data"]);
    expect(services.redis!.volumes).toEqual(["redis-data:/data"]);
    expect(volumes).toEqual({ "postgres-data": {}, "redis-data": {} });
  });

  it("gives credentials as Swarm secrets by name, at the paths the app env wrapper and the services read", () => {
    const stack = stackOf(project());
    expect(stack.secrets).toEqual({
      "postgres-password": { external: true, name: "tasks_postgres-password" },
      "postgres.env": { external: true, name: "tasks_postgres.env" },
      "redis-password": { external: true, name: "tasks_redis-password" },
      "redis.conf": { external: true, name: "tasks_redis.conf" },
      "redis.env": { external: true, name: "tasks_redis.env" },
    });
    const at = (files: string[]) => files.map((f) => ({ source: f, target: `/run/fdock/credentials/${f}` }));
    expect(stack.services.postgres!.secrets).toEqual(at(["postgres-password"]));
    expect(stack.services.postgres!.environment).toMatchObject({ POSTGRES_USER: "app", POSTGRES_PASSWORD_FILE: "/run/fdock/credentials/postgres-password" });
    expect(stack.services.redis!.secrets).toEqual(at(["redis-password", "redis.conf"]));
    expect(stack.services.redis!.command).toEqual(["redis-server", "/run/fdock/credentials/redis.conf"]);
    // The app's containers get the variables only (DATABASE_URL, REDIS_URL), not the services' own files.
    expect(stack.services.gunicorn!.secrets).toEqual(at(["postgres.env", "redis.env"]));
    expect(stack.services.worker!.secrets).toEqual(at(["postgres.env", "redis.env"]));
  });

  it("holds no secret value: the credential files are made apart, from one password each", () => {
    const text = render(project());
    expect(text).not.toMatch(/[0-9a-f]{48}/);
    expect(text).not.toMatch(/DATABASE_URL=|REDIS_URL=|requirepass|postgresql:\/\//);
    const pg = credentialContents("postgres", "p".repeat(48));
    expect(Object.keys(pg)).toEqual(["postgres-password", "postgres.env"]);
    expect(pg["postgres-password"]).toBe("p".repeat(48));
    expect(pg["postgres.env"]).toContain(`DATABASE_URL=postgresql://app:${"p".repeat(48)}@postgres:5432/app\n`);
    expect(pg["postgres.env"]).toContain("PGHOST=postgres\n");
    const redis = credentialContents("redis", "r".repeat(48));
    expect(redis["redis.env"]).toBe(`REDIS_URL=redis://:${"r".repeat(48)}@redis:6379/0\n`);
    expect(redis["redis.conf"]).toBe(`requirepass ${"r".repeat(48)}\nappendonly yes\ndir /data\n`);
  });

  it("runs each process as a replicated service of the app's image: the shell line kept from interpolation, a graceful stop", () => {
    const w = stackOf(project()).services.worker!;
    expect(w.image).toBe("fdock-tasks-gunicorn:aaaaaaaaaaaa");
    expect(w.command).toEqual(["sh", "-c", "exec celery -A tasks.worker worker --url $$REDIS_URL"]);
    expect(w.environment).toEqual({ FDOCK_APP: "tasks:create_app()" });
    expect(w.env_file).toEqual(["../.env"]);
    expect(w.init).toBe(true);
    expect(w.stop_grace_period).toBe(stackOf(project()).services.gunicorn!.stop_grace_period);
    expect(w.deploy).toMatchObject({ mode: "replicated", replicas: 1, update_config: { order: "stop-first" } });
  });

  it("the services part is the backing services alone, with the same spec as in the whole file", () => {
    const part = stackOf(project(), "services");
    expect(Object.keys(part.services)).toEqual(["postgres", "redis"]);
    const all = stackOf(project());
    expect(part.services.postgres).toEqual(all.services.postgres);
    expect(part.networks).toEqual(all.networks);
    expect(part.secrets).toEqual(all.secrets);
  });

  it("an app without services has no volumes, secrets or credentials in its stack", () => {
    const stack = parse(renderSwarmStack(project(""), planWorkers(project("").config, ["flask"], 2), { ...swarm, services: undefined })) as Stack;
    expect(Object.keys(stack.services)).toEqual(["gunicorn", "nginx"]);
    expect(stack.volumes).toBeUndefined();
    expect(stack.secrets).toBeUndefined();
    expect(stack.services.gunicorn!.secrets).toBeUndefined();
  });
});
