import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { UserError } from "../../src/core/errors.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderCompose } from "../../src/core/render/compose.js";
import type { Target } from "../../src/core/render/target.js";
import { execArgv, withAppEnv } from "../../src/core/stack/exec-argv.js";
import { containerFor, isAppService, projectServices } from "../../src/core/stack/exec-in.js";
import { oneOffCompose, oneOffContainerName, oneOffFileName } from "../../src/core/stack/one-off.js";

const config = parseConfigText('name: blog\napp: "blog:create_app()"\nservices:\n  postgres: {}\nprocesses:\n  worker: celery -A blog.tasks worker\n');
const project: Project = { dir: "/p", config, requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask"] } };
const prod: Target = { mode: "production", cpus: 2, publish: { host: null, port: 80 } };
const dev: Target = { mode: "development", cpus: 2, publish: { host: "127.0.0.1", port: 8080 }, devUser: "1000:1000" };
const rendered = (t: Target) => renderCompose(project, planWorkers(config, ["flask"], t.cpus), t);
type Compose = { services: Record<string, Record<string, unknown>> };

describe("fdock exec's argv", () => {
  it("docker exec with stdin, a TTY only on a terminal, the engine's arguments first", () => {
    expect(execArgv([], "blog-nginx-1", ["nginx", "-T"], { tty: false, appEnv: false })).toEqual({ file: "docker", args: ["exec", "-i", "blog-nginx-1", "nginx", "-T"] });
    expect(execArgv(["--context", "fdock-web"], "blog-nginx-1", ["sh"], { tty: true, appEnv: false })).toEqual({
      file: "docker",
      args: ["--context", "fdock-web", "exec", "-i", "-t", "blog-nginx-1", "sh"],
    });
  });

  it("in an app container, CMD goes through the env wrapper when the container has it, as arguments, never inside the script", () => {
    const script = 'if [ -f /etc/fdock/with-app-env ]; then exec sh /etc/fdock/with-app-env "$@"; fi; exec "$@"';
    expect(withAppEnv(["flask", "shell"])).toEqual(["sh", "-c", script, "fdock-exec", "flask", "shell"]);
    expect(execArgv([], "blog-gunicorn-1", ["python", "-c", "print('$HOME; x')"], { tty: false, appEnv: true })).toEqual({
      file: "docker",
      args: ["exec", "-i", "blog-gunicorn-1", "sh", "-c", script, "fdock-exec", "python", "-c", "print('$HOME; x')"],
    });
  });

  it("gunicorn and the processes are app containers; nginx and the backing services are not", () => {
    expect(isAppService(config, "gunicorn")).toBe(true);
    expect(isAppService(config, "worker")).toBe(true);
    expect(["nginx", "front", "postgres", "redis"].map((s) => isAppService(config, s))).toEqual([false, false, false, false]);
    expect(projectServices(config)).toEqual(["gunicorn", "nginx", "front", "postgres", "worker"]);
  });
});

describe("fdock exec's choice of container", () => {
  const here = { here: " here", remote: "" };
  const running = new Map([["gunicorn", ["blog-gunicorn-1", "blog-gunicorn-2"]], ["nginx", ["blog-nginx-1"]]]);
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as UserError;
    }
    throw new Error("no error");
  };

  it("takes the service's first running container, also of a service fdock.yaml does not name", () => {
    expect(containerFor(config, running, "gunicorn", here)).toBe("blog-gunicorn-1");
    expect(containerFor(config, new Map([["extra", ["blog-extra-1"]]]), "extra", here)).toBe("blog-extra-1");
  });

  it("an unknown service: a UserError naming the project's services", () => {
    const e = error(() => containerFor(config, running, "wrker", here));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('"wrker" is not a service of blog: it has gunicorn, nginx, front, postgres, worker.');
    expect(e.hint).toContain("`fdock exec gunicorn -- python -V`");
  });

  it("a service with no running container: what runs, and how to start it (on the machine it was asked of)", () => {
    const e = error(() => containerFor(config, running, "worker", { here: " on machine web", remote: " --remote web" }));
    expect(e.message).toBe("worker has no running container on machine web; what runs: gunicorn, nginx.");
    expect(e.hint).toContain("`fdock up --remote web`");
    expect(e.hint).toContain("`fdock ps --remote web`");
    const none = error(() => containerFor(config, new Map(), "gunicorn", here));
    expect(none.message).toBe("gunicorn is not running here: nothing of blog runs there.");
    expect(none.hint).toContain("`fdock up`");
  });
});

describe("fdock run's compose file", () => {
  it("the topology's run service extends gunicorn: one-off, never health-checked or restarted", () => {
    for (const t of [prod, dev]) {
      const run = (parse(rendered(t)) as Compose).services.run!;
      expect(run).toEqual({ extends: { service: "gunicorn" }, profiles: ["run"], restart: "no", pull_policy: "never", healthcheck: { disable: true } });
    }
  });

  it("pins the run service's image and leaves the rest as rendered", () => {
    const text = rendered(prod);
    const pinned = parse(oneOffCompose(text, "sha256:abc")) as Compose;
    const original = parse(text) as Compose;
    expect(pinned.services.run!.image).toBe("sha256:abc");
    expect({ ...pinned.services.run, image: undefined }).toEqual({ ...original.services.run, image: undefined });
    expect(pinned.services.gunicorn).toEqual(original.services.gunicorn);
    expect(oneOffFileName(42)).toBe("run-42.compose.yaml");
    expect(oneOffContainerName("blog", "0a1b2c3d")).toBe("blog-run-0a1b2c3d");
    expect(oneOffContainerName("blog")).toMatch(/^blog-run-[0-9a-f]{8}$/);
  });
});
