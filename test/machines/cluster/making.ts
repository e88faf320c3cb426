/** `fdock cluster create` from three machines, after the refusals a user can run into first. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { out, type ClusterSuiteContext } from "../cluster-fixture.js";
import { hostExec } from "../ssh-host.js";

export function makingSuite(ctx: ClusterSuiteContext): void {
  const state = async (machine: string) => (await ctx.world.docker(machine, ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim();

  it("refuses bad member lists before any engine is asked: unknown machine, the same machine twice, no manager", async () => {
    const { ws } = ctx.world;
    const unknown = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "nope"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('There is no machine named "nope"');
    const twice = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m1"]);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toContain("m1 is named more than once");
    const none = await ws.fdock(["cluster", "create", "c1", "--worker", "m2"]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("at least one manager");
    expect((await ws.fdock(["cluster", "ls", "--json"])).stdout.trim()).toBe("[]");
  });

  it("refuses a machine that is in another swarm, naming it and the way out; nothing changes", async () => {
    const { ws, docker, hosts } = ctx.world;
    const init = await docker("m3", ["swarm", "init", "--advertise-addr", hosts[2]!.ip]);
    expect(init.exitCode, init.stderr).toBe(0);
    try {
      const swarmId = (await docker("m3", ["info", "--format", "{{.Swarm.Cluster.ID}}"])).stdout.trim();
      const r = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m3"]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`Machine "m3" is already in swarm ${swarmId}`);
      expect(r.stderr).toContain("docker swarm leave --force");
      expect(await state("m1")).toBe("inactive");
    } finally {
      // As the refusal says to.
      expect((await docker("m3", ["swarm", "leave", "--force"])).exitCode).toBe(0);
    }
  });

  it("refuses a worker that cannot reach the manager's 2377, saying from where; the manager's swarm is undone", async () => {
    const { ws, hosts } = ctx.world;
    // m2's firewall drops its connections to port 2377.
    const block = await hostExec(hosts[1]!, "iptables -I OUTPUT -p tcp --dport 2377 -j DROP");
    expect(block.exitCode, block.stderr).toBe(0);
    try {
      const r = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m2"]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`Machine "m2" cannot reach m1's port 2377/tcp (${hosts[0]!.ip}:2377, tried from m2's address ${hosts[1]!.ip})`);
      expect(r.stderr).toContain("Open it in the firewall");
      for (const n of ["m1", "m2"]) expect(await state(n), n).toBe("inactive");
      expect((await ws.fdock(["cluster", "ls", "--json"])).stdout.trim()).toBe("[]");
    } finally {
      await hostExec(hosts[1]!, "iptables -D OUTPUT -p tcp --dport 2377 -j DROP");
    }
  });

  it("creates c1 from three machines: inspect shows 3 ready nodes with their roles and engines, join tokens never shown", async () => {
    const { ws } = ctx.world;
    const r = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m2", "--worker", "m3"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).not.toMatch(/SWMTKN/);
    const inspect = JSON.parse((await ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as { nodes: Array<{ machine: string; role: string; state: string; availability: string; engineVersion: string }> };
    expect(inspect.nodes.map((n) => [n.machine, n.role, n.state, n.availability])).toEqual([
      ["m1", "manager", "ready", "active"],
      ["m2", "worker", "ready", "active"],
      ["m3", "worker", "ready", "active"],
    ]);
    for (const n of inspect.nodes) expect(n.engineVersion).toMatch(/^\d+\./);
    expect((await ws.fdock(["cluster", "ls"])).stdout).toMatch(/c1\s+m1\s+m2,m3\s+3\/3 ready/);
    const stored = readFileSync(join(ws.fdockHome, "clusters", "c1.json"), "utf8");
    expect(stored).not.toMatch(/SWMTKN/);
    expect(JSON.parse(stored)).toMatchObject({ name: "c1", managers: ["m1"], workers: ["m2", "m3"] });
    // `fdock env c1`: the shell's docker points at c1's manager.
    expect((await ws.fdock(["env", "c1"])).stdout).toContain('DOCKER_CONTEXT="fdock-m1"');
  });
}
