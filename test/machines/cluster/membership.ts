/**
 * Changing a cluster's members while an app runs on it (the deploy suite's stack), then removing
 * the cluster: the machines stay intact.
 */
import { expect, it } from "vitest";
import { out, type ClusterSuiteContext } from "../cluster-fixture.js";
import { sh } from "../ssh-host.js";

interface Inspect {
  managers: string[];
  workers: string[];
  nodes: Array<{ machine: string; role: string; state: string }>;
}

export function membershipSuite(ctx: ClusterSuiteContext): void {
  const inspect = async () => JSON.parse((await ctx.world.ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as Inspect;
  const state = async (machine: string) => (await ctx.world.docker(machine, ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim();
  /** Nodes (swarm hostnames) of running tasks of every service on the cluster, asked of `manager`. */
  const tasksOn = async (manager: string) => {
    const services = (await ctx.world.docker(manager, ["service", "ls", "--format", "{{.Name}}"])).stdout.split("\n").filter(Boolean);
    const nodes: string[] = [];
    for (const s of services) {
      const ps = await ctx.world.docker(manager, ["service", "ps", s, "--filter", "desired-state=running", "--format", "{{.Node}}"]);
      nodes.push(...ps.stdout.split("\n").filter(Boolean));
    }
    return nodes;
  };

  it("refuses to remove the last manager, pointing at cluster rm", async () => {
    const r = await ctx.world.ws.fdock(["cluster", "remove-node", "c1", "m1"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('"m1" is the last manager of cluster "c1"');
    expect(r.stderr).toContain("fdock cluster rm c1");
  });

  it("remove-node drains a worker (its tasks move to the others) and takes it out of the swarm", async () => {
    const { ws, hosts } = ctx.world;
    const r = await ws.fdock(["cluster", "remove-node", "c1", "m3"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("draining m3");
    expect(await tasksOn("m1")).not.toContain(hosts[2]!.name);
    expect(await state("m3")).toBe("inactive");
    const after = await inspect();
    expect(after.workers).toEqual(["m2"]);
    expect(after.nodes.map((n) => n.machine)).toEqual(["m1", "m2"]);
    const again = await ws.fdock(["cluster", "add", "c1", "--worker", "m2"]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('Machine m2 is already in cluster "c1"');
  });

  it("m3 joins again as a second manager; the first manager can then be removed, and env/use point at the one left", async () => {
    const { ws, hosts } = ctx.world;
    const add = await ws.fdock(["cluster", "add", "c1", "--manager", "m3"]);
    expect(add.exitCode, out(add)).toBe(0);
    let now = await inspect();
    expect(now.managers).toEqual(["m1", "m3"]);
    expect(now.nodes.map((n) => [n.machine, n.role, n.state])).toEqual([["m1", "manager", "ready"], ["m3", "manager", "ready"], ["m2", "worker", "ready"]]);
    const r = await ws.fdock(["cluster", "remove-node", "c1", "m1"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("demoting m1");
    now = await inspect();
    expect(now.managers).toEqual(["m3"]);
    expect(now.nodes.map((n) => [n.machine, n.role])).toEqual([["m3", "manager"], ["m2", "worker"]]);
    expect(await state("m1")).toBe("inactive");
    expect(await tasksOn("m3")).not.toContain(hosts[0]!.name);
    expect((await ws.fdock(["env", "c1"])).stdout).toContain('DOCKER_CONTEXT="fdock-m3"');
    const use = await ws.fdock(["use", "c1"]);
    expect(use.exitCode, out(use)).toBe(0);
    expect((await sh("docker", ["info", "--format", "{{.Swarm.ControlAvailable}} {{.Name}}"], { env: ws.env })).stdout.trim()).toBe(`true ${hosts[2]!.name}`);
    expect((await ws.fdock(["use", "--default"])).exitCode).toBe(0);
  });

  it("rm: every node leaves the swarm, the machines stay intact and usable", async () => {
    const { ws, names } = ctx.world;
    const r = await ws.fdock(["cluster", "rm", "c1"]);
    expect(r.exitCode, out(r)).toBe(0);
    for (const n of names) expect(await state(n), n).toBe("inactive");
    const machines = JSON.parse((await ws.fdock(["machine", "ls", "--json"])).stdout) as Array<{ name: string; state: string }>;
    expect(machines.map((m) => [m.name, m.state])).toEqual(names.map((n) => [n, "Running"]));
    expect((await ws.fdock(["cluster", "ls", "--json"])).stdout.trim()).toBe("[]");
    expect((await ws.fdock(["env", "c1"])).exitCode).toBe(1);
    expect((await ws.fdock(["env", "m1"])).stdout).toContain('DOCKER_CONTEXT="fdock-m1"');
  });
}
