import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ec2ApiFor } from "../../src/core/cluster/ec2-members.js";
import { checkCreate, checkMembers, duplicates } from "../../src/core/cluster/members.js";
import { reachCommand, SwarmPortUnreachableError } from "../../src/core/cluster/reach.js";
import { checkRemoveNode } from "../../src/core/cluster/remove-node.js";
import { CLUSTER_CONFIG_VERSION, ClusterStore, UnknownClusterError, type ClusterConfig } from "../../src/core/cluster/store.js";
import { engineMessage } from "../../src/core/cluster/swarm-ops.js";
import { checkNodesFree, type SwarmNode } from "../../src/core/cluster/swarm-node.js";
import { CONFIG_VERSION, MachineStore } from "../../src/core/machine/store.js";

const temps: string[] = [];
function home(machines: string[] = []): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "fdock-cluster-"));
  temps.push(dir);
  const env = { FDOCK_HOME: dir, HOME: dir };
  const store = new MachineStore(env);
  for (const name of machines) store.save({ version: CONFIG_VERSION, name, driver: "fake", driverData: {}, ssh: null, state: "ready", createdAt: "2026-01-01T00:00:00.000Z" });
  return env;
}
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The message and next step of what fn throws (toThrow reads only the message). */
function said(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).message} ${(e as { hint?: string }).hint ?? ""}`;
  }
  return "nothing thrown";
}

const cluster = (name: string, managers: string[], workers: string[] = []): ClusterConfig => ({
  version: CLUSTER_CONFIG_VERSION, name, managers, workers, swarmId: `swarm-${name}`, createdAt: "2026-01-01T00:00:00.000Z",
});

describe("cluster store", () => {
  it("saves 0600 in a 0700 folder, loads, lists, finds a machine's cluster and removes, leaving no temp file", () => {
    const env = home();
    const store = new ClusterStore(env);
    store.save(cluster("c1", ["m1"], ["m2"]));
    store.save(cluster("b2", ["m3"]));
    expect(statSync(store.path("c1")).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.FDOCK_HOME!, "clusters")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(env.FDOCK_HOME!, "clusters")).sort()).toEqual(["b2.json", "c1.json"]);
    expect(store.load("c1")).toEqual(cluster("c1", ["m1"], ["m2"]));
    expect(store.list().map((c) => c.name)).toEqual(["b2", "c1"]);
    expect(store.clusterOf("m2")?.name).toBe("c1");
    expect(store.clusterOf("m9")).toBeUndefined();
    store.remove("c1");
    expect(() => store.load("c1")).toThrow(UnknownClusterError);
  });

  it("refuses an unreadable file and a newer version with what to do, and lists the others", () => {
    const env = home();
    const store = new ClusterStore(env);
    store.save(cluster("good", ["m1"]));
    store.save({ ...cluster("newer", ["m2"]), version: 9 });
    writeFileSync(store.path("broken"), "{not json");
    expect(said(() => store.load("newer"))).toMatch(/version 9.*upgrade fdock/s);
    expect(said(() => store.load("broken"))).toMatch(/cluster "broken" cannot be read/);
    expect(store.list().map((c) => c.name)).toEqual(["good"]);
    expect(readFileSync(store.path("good"), "utf8")).not.toMatch(/token/i);
  });

  it("refuses invalid cluster names", () => {
    expect(() => new ClusterStore(home()).save(cluster("-bad", ["m1"]))).toThrow(/not a valid cluster name/);
  });
});

describe("cluster member checks", () => {
  it("finds machines named twice", () => {
    expect(duplicates(["a", "b", "a", "c", "b"])).toEqual(["a", "b"]);
    expect(duplicates(["a", "b"])).toEqual([]);
  });

  it("refuses no manager, the same machine twice, unknown machines, a taken or machine's name, and machines of another cluster", () => {
    const env = home(["m1", "m2", "m3"]);
    expect(() => checkCreate("c1", { managers: [], workers: ["m1"] }, env)).toThrow(/at least one manager/);
    expect(() => checkCreate("c1", { managers: ["m1"], workers: ["m2", "m1"] }, env)).toThrow(/m1 is named more than once/);
    expect(() => checkCreate("c1", { managers: ["m1"], workers: ["x"] }, env)).toThrow(/There is no machine named "x"/);
    expect(() => checkCreate("c1", { managers: ["m1"], workers: ["x", "y"] }, env)).toThrow(/no machines named "x", "y"/);
    expect(() => checkCreate("m1", { managers: ["m2"], workers: [] }, env)).toThrow(/is a machine's name/);
    expect(() => checkCreate("c1", { managers: ["m1"], workers: ["m2"] }, env)).not.toThrow();
    new ClusterStore(env).save(cluster("c1", ["m1"], ["m2"]));
    expect(() => checkCreate("c1", { managers: ["m3"], workers: [] }, env)).toThrow(/exists already/);
    expect(said(() => checkCreate("c2", { managers: ["m3"], workers: ["m2"] }, env))).toMatch(/"m2" is already in cluster "c1".*remove-node c1 m2/s);
    expect(() => checkMembers({ managers: [], workers: ["m2"] }, env, { managers: ["m1"], workers: ["m2"] }, "c1")).toThrow(/m2 is already in cluster "c1"/);
  });

  it("refuses removing the last manager (use cluster rm) and a machine not in the cluster", () => {
    expect(said(() => checkRemoveNode(cluster("c1", ["m1"], ["m2"]), "m1"))).toMatch(/last manager.*fdock cluster rm c1/s);
    expect(() => checkRemoveNode(cluster("c1", ["m1"], ["m2"]), "m9")).toThrow(/"m9" is not in cluster "c1"/);
    expect(() => checkRemoveNode(cluster("c1", ["m1", "m3"], ["m2"]), "m1")).not.toThrow();
    expect(() => checkRemoveNode(cluster("c1", ["m1"], ["m2"]), "m2")).not.toThrow();
  });
});

describe("engine checks on a cluster's nodes", () => {
  const node = (machine: string, engineVersion: string, swarm: SwarmNode["swarm"] = { LocalNodeState: "inactive" }) =>
    ({ machine, address: "192.0.2.1", engineVersion, swarm, docker: null as never, close: () => undefined }) satisfies SwarmNode;

  it("names every engine too old for swarm, and a machine in another swarm with the way out", () => {
    expect(() => checkNodesFree([node("m1", "26.1.5"), node("m2", "19.03.1"), node("m3", "18.09")], new Map())).toThrow(/"m2" runs Docker Engine 19\.03\.1; Machine "m3" runs Docker Engine 18\.09: .*20\.10/);
    expect(() => checkNodesFree([node("m1", "26.1.5", { LocalNodeState: "active", Cluster: { ID: "abc" } })], new Map())).toThrow(/"m1" is already in swarm abc/);
    expect(said(() => checkNodesFree([node("m1", "26.1.5", { LocalNodeState: "active", Cluster: { ID: "abc" } })], new Map([["abc", "c9"]])))).toMatch(/fdock cluster "c9".*cluster rm c9/s);
    expect(said(() => checkNodesFree([node("m2", "26.1.5", { LocalNodeState: "active", RemoteManagers: [{ NodeID: "x", Addr: "10.0.0.1:2377" }] })], new Map()))).toMatch(/managed from 10\.0\.0\.1:2377.*docker swarm leave --force/s);
    expect(() => checkNodesFree([node("m1", "26.1.5"), node("m2", "20.10.24+dfsg1")], new Map())).not.toThrow();
  });

  it("builds the reach check from addresses only, and says which port from where", async () => {
    // A listener: the kernel completes the connect from its backlog even while this process waits for sh.
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    expect(spawnSync("sh", ["-c", reachCommand("127.0.0.1", port)], { encoding: "utf8" }).stdout.trim()).toBe("open");
    server.close();
    const command = reachCommand("10.0.0.5", 2377);
    expect(command).toContain("timeout 5 bash -c 'exec 3<>/dev/tcp/10.0.0.5/2377'");
    // The real shell: no listener on a reserved port of loopback is "closed"; a missing bash is "untested", never "closed".
    expect(spawnSync("sh", ["-c", reachCommand("127.0.0.1", 9)], { encoding: "utf8" }).stdout.trim()).toBe("closed");
    expect(spawnSync("/bin/sh", ["-c", reachCommand("127.0.0.1", 9)], { encoding: "utf8", env: { PATH: "/nonexistent" } }).stdout.trim()).toBe("untested");
    expect(() => reachCommand("1.2.3.4; rm -rf /", 2377)).toThrow();
    const e = new SwarmPortUnreachableError({ machine: "w1", address: "10.0.0.6" }, { machine: "m1", address: "10.0.0.5" }, 2377);
    expect(e.message).toBe(`Machine "w1" cannot reach m1's port 2377/tcp (10.0.0.5:2377, tried from w1's address 10.0.0.6).`);
    expect(e.hint).toMatch(/^Open it in the firewall/);
  });
});

describe("EC2 members", () => {
  it("refuses members in different VPCs or regions, naming each", async () => {
    const m = (machine: string, region: string, vpcId: string) => ({ machine, instanceId: "i-1", region, vpcId });
    await expect(ec2ApiFor([m("e1", "us-east-1", "vpc-a"), m("e2", "us-east-1", "vpc-b")])).rejects.toThrow(/different VPCs or regions \(e1: us-east-1\/vpc-a, e2: us-east-1\/vpc-b\)/);
    await expect(ec2ApiFor([m("e1", "us-east-1", "vpc-a"), m("e2", "eu-west-3", "vpc-a")])).rejects.toThrow(/different VPCs or regions/);
  });
});

describe("engine errors", () => {
  it("uses the engine's message and never repeats a join token", () => {
    expect(engineMessage({ statusCode: 500, json: { message: "invalid join token SWMTKN-1-abc123-def456 " }, message: "(HTTP code 500) …" })).toBe("invalid join token SWMTKN-…");
    expect(engineMessage(new Error("plain"))).toBe("plain");
  });
});
