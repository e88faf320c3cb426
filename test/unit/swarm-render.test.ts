import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderNginxConf } from "../../src/core/render/nginx-image.js";
import { renderSwarmStack, swarmTarget, type SwarmPlan } from "../../src/core/render/swarm-compose.js";

function project(yaml = ""): Project {
  return { dir: "/p", config: parseConfigText(`name: blog\napp: "blog:create_app()"\n${yaml}`), requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask", "gunicorn"] } };
}
const swarm: SwarmPlan = { replicas: 3, images: { gunicorn: "fdock-blog-gunicorn:0123456789ab", nginx: "fdock-blog-nginx:ba9876543210" }, port: 80 };
type Stack = { services: Record<string, Record<string, any>>; networks: Record<string, any> };
const stackOf = (p: Project, s: SwarmPlan = swarm) => parse(renderSwarmStack(p, planWorkers(p.config, p.requirements.names, 2), s)) as Stack;

describe("the Swarm stack file", () => {
  it("runs N gunicorn replicas by DNS round robin, updated start-first and rolled back on failure", () => {
    const g = stackOf(project()).services.gunicorn!;
    expect(g.image).toBe(swarm.images.gunicorn);
    expect(g.deploy).toMatchObject({ mode: "replicated", replicas: 3, endpoint_mode: "dnsrr" });
    expect(g.deploy.update_config).toMatchObject({ order: "start-first", failure_action: "rollback", parallelism: 1 });
    expect(g.deploy.rollback_config).toMatchObject({ order: "start-first" });
    expect(g.healthcheck.test).toEqual(["CMD", "python", "/etc/fdock/fdock_health.py"]);
    expect(g.environment).toMatchObject({ FDOCK_APP: "blog:create_app()", FDOCK_HEALTH_PATH: "/" });
    expect(g.environment.FDOCK_RELOAD).toBeUndefined();
    expect(g.stop_grace_period).toBe("35s");
    expect(g.ports).toBeUndefined();
    expect(g.build).toBeUndefined();
  });

  it("runs nginx on every node, its port published on the node itself (host mode, no routing mesh)", () => {
    const n = stackOf(project(), { ...swarm, port: 8081 }).services.nginx!;
    expect(n.image).toBe(swarm.images.nginx);
    expect(n.deploy.mode).toBe("global");
    expect(n.ports).toEqual([{ target: 80, published: 8081, protocol: "tcp", mode: "host" }]);
    // Two nginx on one node cannot hold its port together.
    expect(n.deploy.update_config.order).toBe("stop-first");
    expect(n.depends_on).toBeUndefined();
  });

  it("puts both on one attachable overlay network, and passes the env file by path (read by the docker CLI)", () => {
    const s = stackOf(project("env_file: .env\n"));
    expect(s.networks).toEqual({ app: { driver: "overlay", attachable: true } });
    expect(s.services.gunicorn!.networks).toEqual(["app"]);
    expect(s.services.nginx!.networks).toEqual(["app"]);
    expect(s.services.gunicorn!.env_file).toEqual(["../.env"]);
    expect(Object.keys(s.services)).toEqual(["gunicorn", "nginx"]);
  });

  it("labels the containers as no compose project's: compose built the images, but `up/down --remote NODE` must not take the stack's containers for its own", () => {
    const s = stackOf(project("processes:\n  worker: celery -A blog.tasks worker\n"), { ...swarm, services: { dataMachine: undefined, processImage: swarm.images.gunicorn } });
    for (const name of ["gunicorn", "nginx", "worker"]) {
      expect(s.services[name]!.labels, name).toEqual({ "com.docker.compose.project": "", "com.docker.compose.service": "" });
    }
  });
});

describe("the cluster's nginx", () => {
  const p = project();
  const plan = planWorkers(p.config, p.requirements.names, 2);
  const conf = renderNginxConf(p.config, plan, swarmTarget(2, 80));

  it("finds gunicorn's tasks through Docker's DNS at request time, asked again every second", () => {
    expect(conf).toContain("resolver 127.0.0.11 valid=1s ipv6=off;");
    expect(conf).toMatch(/map \$server_port \$fdock_gunicorn \{\n\s+default tasks\.gunicorn:8000;\n\}/);
    expect(conf).toContain("proxy_pass http://$fdock_gunicorn;");
    expect(conf).not.toContain("upstream app");
  });

  it("sees the client's own address: no front, so no X-Real-IP is believed", () => {
    expect(conf).not.toContain("real_ip");
    expect(conf).toContain("proxy_set_header X-Real-IP $remote_addr;");
  });

  it("leaves the one-engine nginx as it was: the app upstream, proxied by name", () => {
    const one = renderNginxConf(p.config, plan, { mode: "production", cpus: 2, publish: { host: null, port: 80 } });
    expect(one).toContain("proxy_pass http://app;");
    expect(one).toMatch(/upstream app \{\n(\s*#.*\n)*\s*include \/etc\/nginx\/fdock\/upstream\.conf;/);
    expect(one).not.toContain("resolver");
  });
});
