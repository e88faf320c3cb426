import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedEnvs } from "../helpers/machine-env.js";
import { activeCluster, rememberUsedCluster } from "../../src/core/cluster/active-cluster.js";
import type { StackOutcome } from "../../src/core/cluster/deploy/converge.js";
import { clusterNamed } from "../../src/core/cluster/deploy/cluster-target.js";
import { releaseConfigName, releaseLabels, releasesFrom, servingRefs, type ConfigRecord } from "../../src/core/cluster/ops/cluster-releases.js";
import { stackPort } from "../../src/core/cluster/ops/cluster-rollback.js";
import { frameReader, parseDetailsLine, taskLabel } from "../../src/core/cluster/ops/logs.js";
import type { ServiceRecord } from "../../src/core/cluster/ops/reach-cluster.js";
import { rolloutFailure } from "../../src/core/cluster/ops/rollout-failure.js";
import { stackArgv } from "../../src/core/cluster/ops/stack-argv.js";
import { clusterTasksOf, tagOf, taskTable, type TaskRecord } from "../../src/core/cluster/ops/tasks.js";
import { CLUSTER_CONFIG_VERSION, ClusterStore } from "../../src/core/cluster/store.js";
import type { NodeRecord } from "../../src/core/cluster/swarm-ops.js";
import { envScript, unsetScript } from "../../src/core/machine/active.js";
import { CONFIG_VERSION, MachineStore } from "../../src/core/machine/store.js";
import { chooseRelease } from "../../src/core/stack/rollback.js";
import { engineTarget } from "../../src/core/stack/engine-target.js";

const service = (id: string, name: string, image: string, global = false): ServiceRecord => ({
  ID: id,
  Spec: {
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: image, Healthcheck: { Test: ["CMD", "true"] } } },
    Mode: global ? { Global: {} } : { Replicated: { Replicas: 2 } },
  },
});
const node = (id: string, hostname: string, machine?: string): NodeRecord => ({
  ID: id, Version: { Index: 1 }, Spec: { Role: "worker", Availability: "active", Labels: machine ? { "fdock.machine": machine } : {} }, Description: { Hostname: hostname },
});
const task = (t: Partial<TaskRecord> & { ServiceID: string; NodeID: string; state: string; desired?: string; image: string }): TaskRecord => ({
  ID: `t-${Math.random()}`, ServiceID: t.ServiceID, NodeID: t.NodeID, Slot: t.Slot, DesiredState: t.desired ?? "running",
  Status: { State: t.state, ...(t.Status ?? {}) }, Spec: { ContainerSpec: { Image: t.image } },
});

describe("fdock ps --remote CLUSTER: tasks to rows", () => {
  const G = "fdock-blog-gunicorn:abcdef012345";
  const N = "fdock-blog-nginx:0123456789ab";
  const services = [service("sg", "blog_gunicorn", `${G}@sha256:ff`), service("sn", "blog_nginx", N, true)];
  const nodes = [node("n1", "host-a", "m1"), node("n2", "host-b", "m2"), node("n3", "host-c")];
  const tasks = [
    task({ ServiceID: "sg", NodeID: "n2", Slot: 2, state: "running", image: `${G}@sha256:ff` }),
    task({ ServiceID: "sg", NodeID: "n1", Slot: 1, state: "starting", image: `${G}@sha256:ff` }),
    task({ ServiceID: "sg", NodeID: "n1", Slot: 1, state: "failed", desired: "shutdown", image: "old:1", Status: { State: "failed", Err: "unhealthy" } }),
    task({ ServiceID: "sn", NodeID: "n3", state: "running", image: N, Status: { State: "running", PortStatus: { Ports: [{ PublishedPort: 80, TargetPort: 80, Protocol: "tcp", PublishMode: "host" }, { PublishedPort: 80, TargetPort: 80, Protocol: "tcp", PublishMode: "host" }] } } }),
    task({ ServiceID: "other", NodeID: "n1", state: "running", image: "x" }),
  ];

  it("keeps the tasks Swarm still wants, names each node's machine (its label, else its hostname), the release tag and the port once", () => {
    const rows = clusterTasksOf("blog", services, tasks, nodes);
    expect(rows.map((r) => [r.service, r.slot, r.machine, r.node, r.state, r.health, r.release])).toEqual([
      ["gunicorn", 1, "m1", "host-a", "starting", "starting", "abcdef012345"],
      ["gunicorn", 2, "m2", "host-b", "running", "healthy", "abcdef012345"],
      ["nginx", undefined, "host-c", "host-c", "running", "healthy", "0123456789ab"],
    ]);
    expect(rows[2]!.ports).toEqual([{ published: 80, target: 80, protocol: "tcp", mode: "host" }]);
    expect(rows[0]!.image).toBe(G);
  });

  it("renders a table: task, machine, node (when not the machine's name), states, health, release, ports", () => {
    expect(taskTable(clusterTasksOf("blog", services, tasks, nodes))).toEqual([
      ["TASK", "MACHINE", "NODE", "DESIRED", "STATE", "HEALTH", "RELEASE", "PORTS"],
      ["gunicorn.1", "m1", "host-a", "running", "starting", "starting", "abcdef012345", "-"],
      ["gunicorn.2", "m2", "host-b", "running", "running", "healthy", "abcdef012345", "-"],
      ["nginx", "host-c", "-", "running", "running", "healthy", "0123456789ab", "80->80/tcp"],
    ]);
  });

  it("reads an image reference's tag with or without a registry port and digest", () => {
    expect(tagOf("fdock-x-gunicorn:abc@sha256:1")).toBe("abc");
    expect(tagOf("registry:5000/app")).toBe("");
    expect(tagOf("registry:5000/app:v1")).toBe("v1");
  });
});

describe("fdock logs --remote CLUSTER: the multiplexed stream and its details", () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  it("reads frames split anywhere across chunks", () => {
    const got: string[] = [];
    const feed = frameReader((t) => got.push(t));
    const all = Buffer.concat([frame(1, "one\n"), frame(2, "two é\n"), frame(1, "three\n")]);
    const cuts = [0, 3, 9, 15, 22, all.length];
    for (let i = 1; i < cuts.length; i++) feed(all.subarray(cuts[i - 1], cuts[i]));
    expect(got).toEqual(["one\n", "two é\n", "three\n"]);
  });

  it("splits Swarm's details from the message and heads each line with task and machine", () => {
    const { details, message } = parseDetailsLine("com.docker.swarm.node.id=n2,com.docker.swarm.service.id=s,com.docker.swarm.task.id=t7 GET /healthz 200 a=b");
    expect(message).toBe("GET /healthz 200 a=b");
    expect(taskLabel("gunicorn", details, new Map([["t7", 3]]), new Map([["n2", "m2"]]))).toBe("gunicorn.3@m2");
    expect(taskLabel("nginx", { "com.docker.swarm.node.id": "abcdefabcdefabcdef" }, new Map(), new Map())).toBe("nginx@abcdefabcdef");
    expect(parseDetailsLine("plain line without details")).toEqual({ details: {}, message: "plain line without details" });
  });
});

describe("releases on a cluster: Swarm config records", () => {
  const release = (id: string, g: string, n = "fdock-blog-nginx:aaaaaaaaaaaa") => ({
    id, time: `${id}Z`, commit: id === "2" ? null : "abc123", images: { gunicorn: `sha256:${g}`, nginx: "sha256:n" }, refs: { gunicorn: `fdock-blog-gunicorn:${g}`, nginx: n },
  });
  const config = (r: ReturnType<typeof release>): ConfigRecord => ({ ID: r.id, Spec: { Name: releaseConfigName("blog", r.id), Labels: releaseLabels("blog", r) } });

  it("lists them newest first from their labels, the newest one whose images both services run marked", () => {
    const services = [service("a", "blog_gunicorn", "fdock-blog-gunicorn:111111111111@sha256:9"), service("b", "blog_nginx", "fdock-blog-nginx:aaaaaaaaaaaa", true)];
    const list = releasesFrom([config(release("1", "111111111111")), config(release("3", "111111111111")), config(release("2", "222222222222"))], servingRefs("blog", services));
    expect(list.map((r) => [r.id, r.current, r.commit])).toEqual([["3", true, "abc123"], ["2", false, null], ["1", false, "abc123"]]);
    expect(list[1]!.refs.gunicorn).toBe("fdock-blog-gunicorn:222222222222");
    expect(releaseConfigName("blog", "20260101-120000")).toBe("fdock-blog-release-20260101-120000");
    // Nothing deployed: none marked.
    expect(releasesFrom([config(release("1", "111111111111"))], {}).map((r) => r.current)).toEqual([false]);
  });

  it("rollback: an unknown id names the cluster and lists the kept releases", () => {
    const list = releasesFrom([config(release("1", "111111111111")), config(release("2", "222222222222"))], {});
    let thrown: unknown;
    try {
      chooseRelease(list, "9", "cluster c1");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ message: "No release 9 on cluster c1.", hint: expect.stringContaining("kept: 2, 1") });
  });

  it("reads nginx's port from a release's stack file", () => {
    expect(stackPort("services:\n  nginx:\n    ports:\n      - target: 80\n        published: 8082\n        mode: host\n")).toBe(8082);
    expect(stackPort("services:\n  gunicorn: {}\n")).toBe(80);
  });
});

describe("down and rollback on a cluster: argv and failures", () => {
  it("removes the stack through the manager's context", () => {
    expect(stackArgv.rm({ dockerArgs: ["--context", "fdock-m1"] }, "blog")).toEqual({ file: "docker", args: ["--context", "fdock-m1", "stack", "rm", "blog"] });
  });

  it("a rollout Swarm rolled back is exit 4, saying the version that served still serves", () => {
    const where = { cluster: "c1", manager: "m1", stack: "blog", timeoutMs: 300_000, what: "Release 1" };
    const rolled: StackOutcome = { rolledBack: [{ service: "blog_gunicorn", message: "update rolled back due to failure" }], stuck: [] };
    expect(rolloutFailure(rolled, where)).toMatchObject({ exitCode: 4, message: expect.stringContaining("the version that served before still serves") });
    expect(rolloutFailure({ rolledBack: [], stuck: [{ service: "blog_gunicorn", running: 1, wanted: 3, errors: ["no space"] }] }, where)).toMatchObject({ exitCode: 4, detail: "blog_gunicorn: no space" });
    expect(rolloutFailure({ rolledBack: [], stuck: [] }, where)).toBeUndefined();
  });
});

describe("a bare --remote when the active target is a cluster", () => {
  const envs = isolatedEnvs("fdock-ops-");
  const world = () => {
    const env = envs();
    const machines = new MachineStore(env);
    for (const name of ["m1", "m2", "web"]) machines.save({ version: CONFIG_VERSION, name, driver: "fake", driverData: {}, ssh: null, state: "ready", createdAt: "2026-01-01T00:00:00.000Z" });
    new ClusterStore(env).save({ version: CLUSTER_CONFIG_VERSION, name: "c1", managers: ["m1"], workers: ["m2"], swarmId: "s", createdAt: "2026-01-01T00:00:00.000Z" });
    return env;
  };
  const useContext = (env: NodeJS.ProcessEnv, context: string) => {
    mkdirSync(env.DOCKER_CONFIG!, { recursive: true });
    writeFileSync(join(env.DOCKER_CONFIG!, "config.json"), JSON.stringify({ currentContext: context }));
  };

  it("after `fdock use c1`: the cluster, while Docker points at its manager; `fdock use web` or --default ends it", () => {
    const env = world();
    useContext(env, "fdock-m1");
    expect(clusterNamed(true, env)).toBeUndefined(); // `fdock use m1`: the machine
    rememberUsedCluster("c1", "m1", env);
    expect(activeCluster(env)).toEqual({ cluster: "c1", machine: "m1" });
    expect(clusterNamed(true, env)).toBe("c1");
    expect(clusterNamed("c1", env)).toBe("c1");
    expect(clusterNamed("web", env)).toBeUndefined();
    useContext(env, "fdock-web");
    expect(clusterNamed(true, env)).toBeUndefined();
    rememberUsedCluster(null, null, env);
    useContext(env, "fdock-m1");
    expect(clusterNamed(true, env)).toBeUndefined();
  });

  it("after `eval \"$(fdock env c1)\"`: FDOCK_CLUSTER_NAME beside the manager's FDOCK_MACHINE_NAME; env for a machine unsets it", () => {
    const env = world();
    const script = envScript("m1", "bash", env, "c1");
    expect(script).toContain('export FDOCK_MACHINE_NAME="m1"\nexport FDOCK_CLUSTER_NAME="c1"\n');
    expect(script).toContain("eval $(fdock env c1)");
    expect(clusterNamed(true, { ...env, FDOCK_MACHINE_NAME: "m1", FDOCK_CLUSTER_NAME: "c1" })).toBe("c1");
    // A stale cluster name beside another machine means that machine.
    expect(clusterNamed(true, { ...env, FDOCK_MACHINE_NAME: "web", FDOCK_CLUSTER_NAME: "c1" })).toBeUndefined();
    expect(envScript("web", "bash", { ...env, FDOCK_CLUSTER_NAME: "c1" })).toContain("unset FDOCK_CLUSTER_NAME");
    expect(unsetScript("bash")).toContain("unset FDOCK_CLUSTER_NAME");
  });

  it("commands that work on one engine only refuse a cluster by name or as the active target", async () => {
    const env = world();
    await expect(engineTarget("c1", env)).rejects.toThrow("c1 is a cluster, and this command works on one engine only (yet).");
    await expect(engineTarget(true, { ...env, FDOCK_MACHINE_NAME: "m1", FDOCK_CLUSTER_NAME: "c1" })).rejects.toThrow("The active target, c1 is a cluster");
  });
});
