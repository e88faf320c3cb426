import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { oldTasksRunning, oldTasksStopped, rolloutOf, taskErrors } from "../../src/core/cluster/deploy/converge.js";
import { contentTag } from "../../src/core/cluster/deploy/images.js";
import { checkClusterSupport } from "../../src/core/cluster/deploy/support.js";
import { swarmArgv } from "../../src/core/cluster/deploy/swarm-argv.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { UserError } from "../../src/core/errors.js";

const m = { dockerArgs: ["--context", "fdock-m1"] };

describe("the cluster deploy's docker commands", () => {
  it("builds only gunicorn and nginx, deploys the stack file with images as tagged, runs a one-off job with its env file by path and secrets by name", () => {
    expect(swarmArgv.build(m)).toEqual({ file: "docker", args: ["--context", "fdock-m1", "compose", "-f", "compose.yaml", "build", "gunicorn", "nginx"] });
    expect(swarmArgv.deploy(m, "blog")).toEqual({ file: "docker", args: ["--context", "fdock-m1", "stack", "deploy", "--compose-file", "swarm.yaml", "--prune", "--resolve-image", "never", "--detach=true", "blog"] });
    expect(swarmArgv.deployServices(m, "blog", "swarm-services.yaml").args).toEqual(["--context", "fdock-m1", "stack", "deploy", "--compose-file", "swarm-services.yaml", "--resolve-image", "never", "--detach=true", "blog"]);
    const job = { app: "blog", name: "blog_release-abc123", image: "fdock-blog-gunicorn:0123456789ab", command: ["sh", "-c", "flask db upgrade"], network: "blog_app", env: { FDOCK_APP: "blog:app" }, envFile: "/p/.env", secrets: [{ source: "blog_postgres.env", target: "/run/fdock/credentials/postgres.env" }] };
    expect(swarmArgv.job(m, job)).toEqual({
      file: "docker",
      args: [
        "--context", "fdock-m1", "service", "create", "--detach", "--quiet", "--name", "blog_release-abc123", "--mode", "replicated-job", "--restart-condition", "none", "--no-resolve-image",
        "--endpoint-mode", "dnsrr", "--network", "blog_app", "--label", "fdock.job=blog",
        "--container-label", "com.docker.compose.project=", "--container-label", "com.docker.compose.service=",
        "--env", "FDOCK_APP=blog:app", "--env-file", "/p/.env",
        "--secret", "source=blog_postgres.env,target=/run/fdock/credentials/postgres.env", "fdock-blog-gunicorn:0123456789ab", "sh", "-c", "flask db upgrade",
      ],
    });
    // The release on the manager (before-rollout.ts): its placement constraint.
    expect(swarmArgv.job(m, { ...job, constraints: ["node.id==abc"] }).args.join(" ")).toContain("--constraint node.id==abc fdock-blog-gunicorn:0123456789ab");
    // An image between two engines without a registry: save from one, load into the other.
    expect(swarmArgv.save(m, "fdock-blog-gunicorn:0123456789ab").args).toEqual(["--context", "fdock-m1", "save", "fdock-blog-gunicorn:0123456789ab"]);
    expect(swarmArgv.load({ dockerArgs: ["--context", "fdock-m2"] }).args).toEqual(["--context", "fdock-m2", "load", "--quiet"]);
    expect(swarmArgv.jobLogs(m, "blog_release-abc123").args).toEqual(["--context", "fdock-m1", "service", "logs", "--raw", "--no-trunc", "blog_release-abc123"]);
  });

  it("tags images by the first 12 hex digits of their ID", () => {
    expect(contentTag("sha256:0123456789abcdef0123")).toBe("0123456789ab");
  });
});

describe("a rollout, from what Swarm says", () => {
  const image = "fdock-blog-gunicorn:bbbbbbbbbbbb";
  const old = "fdock-blog-gunicorn:aaaaaaaaaaaa";
  const service = (img: string, state?: string, replicas = 3) => ({ Spec: { TaskTemplate: { ContainerSpec: { Image: img } }, Mode: { Replicated: { Replicas: replicas } } }, UpdateStatus: state ? { State: state, Message: `update ${state}` } : undefined });
  const task = (img: string, state: string, desired = "running", err?: string, node = "n1") => ({ NodeID: node, DesiredState: desired, Status: { State: state, Err: err }, Spec: { ContainerSpec: { Image: img } } });

  it("has converged once every wanted task runs the deployed image and no other runs", () => {
    expect(rolloutOf(service(image, "completed"), [1, 2, 3].map(() => task(image, "running")), image, 3)).toEqual({ state: "converged", running: 3 });
    expect(rolloutOf(service(image), [task(image, "running"), task(image, "running"), task(old, "running")], image, 3)).toEqual({ state: "rolling", running: 2, wanted: 3 });
    expect(rolloutOf(service(image, "updating"), [1, 2, 3].map(() => task(image, "running")), image, 3).state).toBe("rolling");
  });

  it("counts the old tasks Swarm is still stopping on nodes that report in (they may still answer), not those stopped or on a lost node", () => {
    const ready = new Set(["n1", "n2", "n3"]);
    const news = [1, 2, 3].map(() => task(image, "running"));
    // Swarm's update completed once the new tasks run: the old one being stopped does not hold it up…
    expect(rolloutOf(service(image, "completed"), [...news, task(old, "running", "shutdown")], image, 3).state).toBe("converged");
    // …but it is still running, and counted until it stopped.
    expect(oldTasksRunning([...news, task(old, "running", "shutdown")], image, ready)).toBe(1);
    expect(oldTasksRunning([...news, task(old, "shutdown", "shutdown"), task(old, "complete", "shutdown")], image, ready)).toBe(0);
    expect(oldTasksRunning([...news, task(old, "running", "shutdown", undefined, "n4")], image, ready)).toBe(0);
  });

  it("stops watching the old tasks once the deploy ended otherwise (a failed check): no engine asked again, nothing keeps the process", async () => {
    let asked = 0;
    // Only the calls' count matters here: the watch's answers on a real swarm are the cluster suites' to check.
    const engine = { listNodes: async () => (asked++, [{ ID: "n1", Status: { State: "ready" } }]), listTasks: async () => [task(old, "running", "shutdown")] } as unknown as Docker;
    const ended = new AbortController();
    const watch = oldTasksStopped(engine, { blog_gunicorn: image }, 60_000, ended.signal);
    await new Promise((r) => setTimeout(r, 600));
    const before = asked;
    expect(before).toBeGreaterThan(0);
    ended.abort();
    expect(await watch).toBe(false);
    expect(asked - before).toBeLessThanOrEqual(1);
  });

  it("is failing when the deployed image's tasks fail over and over and too few run (a first deploy has nothing to roll back to)", () => {
    const failures = Array.from({ length: 7 }, (_, i) => ({ ...task(image, "failed", "shutdown", "task: non-zero exit (3)"), Slot: (i % 3) + 1 }));
    expect(rolloutOf(service(image), [...failures, task(image, "starting")], image, 3)).toEqual({ state: "failing", running: 0, wanted: 3 });
    expect(rolloutOf(service(image), failures.slice(1), image, 3).state).toBe("rolling");
  });

  it("is failing when, with no update under way, one node keeps rejecting the new image's task (Swarm keeps about 5 of a slot's tasks)", () => {
    const global = (state?: string) => ({ Spec: { TaskTemplate: { ContainerSpec: { Image: image } }, Mode: { Global: {} } }, UpdateStatus: state ? { State: state } : undefined });
    const news = [task(image, "running", "running", undefined, "n1"), task(image, "running", "running", undefined, "n2")];
    const rejected = (n: number) => Array.from({ length: n }, () => task(image, "rejected", "shutdown", "No such image", "n3"));
    expect(rolloutOf(global("completed"), [...news, ...rejected(3)], image, 3)).toEqual({ state: "failing", running: 2, wanted: 3 });
    expect(rolloutOf(global("completed"), [...news, ...rejected(2)], image, 3).state).toBe("rolling");
    // While Swarm's update runs, its own failure_action decides.
    expect(rolloutOf(global("updating"), [...news, ...rejected(3)], image, 3).state).toBe("rolling");
    // Three failures spread over three slots are not one slot failing.
    const spread = [1, 2, 3].map((slot) => ({ ...task(image, "failed", "shutdown"), Slot: slot }));
    expect(rolloutOf(service(image, "completed"), [task(image, "running"), task(image, "running"), ...spread], image, 3).state).toBe("rolling");
    expect(rolloutOf(service(image, "completed"), [task(image, "running"), task(image, "running"), ...spread.map((t) => ({ ...t, Slot: 2 }))], image, 3).state).toBe("failing");
  });

  it("counts a global service's tasks against the nodes that can run them", () => {
    const global = { Spec: { TaskTemplate: { ContainerSpec: { Image: image } }, Mode: { Global: {} } } };
    expect(rolloutOf(global, [task(image, "running"), task(image, "running")], image, 3)).toEqual({ state: "rolling", running: 2, wanted: 3 });
  });

  it("is rolled back when Swarm put the old image back in the spec, done once the rollback completed", () => {
    expect(rolloutOf(service(old, "rollback_started"), [], image, 3)).toEqual({ state: "rolled-back", message: "update rollback_started", done: false });
    expect(rolloutOf(service(old, "rollback_completed"), [], image, 3)).toEqual({ state: "rolled-back", message: "update rollback_completed", done: true });
  });

  it("reports the failed tasks' errors, each once", () => {
    const failed = task(image, "failed", "shutdown", "task: non-zero exit (3)");
    expect(taskErrors([failed, failed, task(image, "running")])).toEqual(["task: non-zero exit (3)"]);
  });
});

describe("what a cluster deploy refuses for now, naming the key", () => {
  const config = (yaml: string, name = "blog") => parseConfigText(`name: ${name}\napp: "blog:app"\n${yaml}`);
  it("refuses tls, persistent and a name too long for Swarm's; accepts a plain app, services and processes", () => {
    expect(() => checkClusterSupport(config(""), "c1")).not.toThrow();
    expect(() => checkClusterSupport(config("services:\n  postgres: {}\n  redis: {}\nprocesses:\n  worker: celery -A x worker\n"), "c1")).not.toThrow();
    expect(() => checkClusterSupport(config("", "a".repeat(46)), "c1")).toThrow(/name in fdock.yaml .* at most 45 characters/);
    expect(() => checkClusterSupport(config("persistent: [instance]\n"), "c1")).toThrow(/persistent in fdock.yaml \(instance\)/);
    expect(() => checkClusterSupport(config("persistent: [instance]\n"), "c1")).toThrow(UserError);
  });
});
