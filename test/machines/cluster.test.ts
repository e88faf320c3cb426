import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Network, type StartedNetwork } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFdock, hostExec, makeWorkstation, PREFIX, ROOT, sh, startSshHost, type SshHost, type Workstation } from "./ssh-host.js";

/**
 * `fdock cluster` against real engines: three SSH hosts (privileged containers on one Docker
 * network, Docker installed by fdock's provisioner), made machines with the generic driver, then
 * a Docker Swarm cluster. A fourth machine (in a swarm of its own) is the bad input.
 */
describe("fdock cluster on three SSH hosts", () => {
  let ws: Workstation;
  let network: StartedNetwork;
  const hosts: SshHost[] = [];
  const image = `${PREFIX}busybox:${process.pid}`;
  const service = `web${process.pid}`;
  const overlay = `ov${process.pid}`;
  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const docker = (machine: string, args: string[], input?: string) => sh("docker", ["--context", `fdock-${machine}`, ...args], { env: ws.env, input });
  const names = ["m1", "m2", "m3", "m4"];

  beforeAll(async () => {
    await buildFdock();
    ws = await makeWorkstation();
    network = await new Network().start();
    const key = readFileSync(`${ws.key}.pub`, "utf8").trim();
    hosts.push(...(await Promise.all(names.map((n) => startSshHost(key, "trixie", { suffix: n, network })))));
    const created = await Promise.all(names.map((n, i) => ws.fdock(["machine", "create", "-d", "generic", "--generic-ip-address", hosts[i]!.ip, "--generic-ssh-key", ws.key, n])));
    created.forEach((r, i) => expect(r.exitCode, `${names[i]}: ${out(r)}`).toBe(0));
    // The service's image on every node, as a user without a registry would do it.
    const base = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
    const build = await sh("docker", ["build", "-q", "-t", image, "--build-arg", `BASE=${base}`, join(ROOT, "test/fixtures/busybox")]);
    expect(build.exitCode, build.stderr).toBe(0);
    for (const n of names) {
      const load = await sh("sh", ["-c", `docker save "$1" | docker --context "fdock-$2" load`, "sh", image, n], { env: ws.env });
      expect(load.exitCode, load.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    await ws?.fdock(["cluster", "rm", "--force", "c1"]).catch(() => undefined);
    for (const n of names) await ws?.fdock(["machine", "rm", "-y", "-f", n]).catch(() => undefined);
    for (const h of hosts) await h.stop().catch(() => undefined);
    await network?.stop().catch(() => undefined);
    await sh("docker", ["rmi", "-f", image]).catch(() => undefined);
    ws?.cleanup();
  });

  it("refuses bad member lists before any engine is asked: unknown machine, the same machine twice, no manager", async () => {
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
    const init = await docker("m4", ["swarm", "init", "--advertise-addr", hosts[3]!.ip]);
    expect(init.exitCode, init.stderr).toBe(0);
    const swarmId = (await docker("m4", ["info", "--format", "{{.Swarm.Cluster.ID}}"])).stdout.trim();
    const r = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m4"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Machine "m4" is already in swarm ${swarmId}`);
    expect(r.stderr).toContain("docker swarm leave --force");
    expect((await docker("m1", ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim()).toBe("inactive");
  });

  it("refuses a worker that cannot reach the manager's 2377, saying from where; the manager's swarm is undone", async () => {
    // m2's firewall drops its connections to port 2377.
    const block = await hostExec(hosts[1]!, "iptables -I OUTPUT -p tcp --dport 2377 -j DROP");
    expect(block.exitCode, block.stderr).toBe(0);
    try {
      const r = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m2"]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`Machine "m2" cannot reach m1's port 2377/tcp (${hosts[0]!.ip}:2377, tried from m2's address ${hosts[1]!.ip})`);
      expect(r.stderr).toContain("Open it in the firewall");
      for (const n of ["m1", "m2"]) expect((await docker(n, ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim(), n).toBe("inactive");
      expect((await ws.fdock(["cluster", "ls", "--json"])).stdout.trim()).toBe("[]");
    } finally {
      await hostExec(hosts[1]!, "iptables -D OUTPUT -p tcp --dport 2377 -j DROP");
    }
  });

  it("creates c1 from three machines: inspect shows 3 ready nodes with their roles, labelled by machine", async () => {
    const r = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m2", "--worker", "m3"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).not.toMatch(/SWMTKN/); // join tokens are never shown
    const inspect = JSON.parse((await ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as { nodes: Array<{ machine: string; role: string; state: string; availability: string; engineVersion: string }> };
    expect(inspect.nodes.map((n) => [n.machine, n.role, n.state, n.availability])).toEqual([
      ["m1", "manager", "ready", "active"],
      ["m2", "worker", "ready", "active"],
      ["m3", "worker", "ready", "active"],
    ]);
    for (const n of inspect.nodes) expect(n.engineVersion).toMatch(/^\d+\./);
    const ls = await ws.fdock(["cluster", "ls"]);
    expect(ls.stdout).toMatch(/c1\s+m1\s+m2,m3\s+3\/3 ready/);
    const stored = readFileSync(join(ws.fdockHome, "clusters", "c1.json"), "utf8");
    expect(stored).not.toMatch(/SWMTKN/);
    expect(JSON.parse(stored)).toMatchObject({ name: "c1", managers: ["m1"], workers: ["m2", "m3"] });
  });

  it("runs a 3-replica service on all three nodes, and tasks.SERVICE resolves from another node (overlay)", async () => {
    // Through `fdock env c1`: the shell's docker points at c1's manager.
    const env = (await ws.fdock(["env", "c1"])).stdout;
    expect(env).toContain('DOCKER_CONTEXT="fdock-m1"');
    expect((await docker("m1", ["network", "create", "-d", "overlay", "--attachable", overlay])).exitCode).toBe(0);
    const create = await docker("m1", ["service", "create", "-d", "--name", service, "--replicas", "3", "--replicas-max-per-node", "1", "--network", overlay, "--endpoint-mode", "dnsrr", image, "httpd", "-f", "-p", "8080"]);
    expect(create.exitCode, create.stderr).toBe(0);
    let nodes: string[] = [];
    for (let i = 0; i < 90 && nodes.length < 3; i++) {
      const ps = await docker("m1", ["service", "ps", service, "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"]);
      nodes = ps.stdout.split("\n").filter((l) => l.includes("Running")).map((l) => l.split(" ")[0]!);
      if (nodes.length < 3) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(new Set(nodes).size).toBe(3);
    const lookup = await docker("m3", ["run", "--rm", "--network", overlay, image, "nslookup", `tasks.${service}`]);
    expect(lookup.exitCode, out(lookup)).toBe(0);
    const addresses = lookup.stdout.split("\n").filter((l) => /^Address: \d/.test(l) && !l.includes("127.0.0.11"));
    expect(addresses.length, lookup.stdout).toBe(3);
  });

  it("refuses to remove the last manager, pointing at cluster rm", async () => {
    const r = await ws.fdock(["cluster", "remove-node", "c1", "m1"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('"m1" is the last manager of cluster "c1"');
    expect(r.stderr).toContain("fdock cluster rm c1");
  });

  it("remove-node drains a worker (its task moves) and takes it out of the swarm", async () => {
    // The replicas-per-node limit would leave a task with nowhere to go: lift it first.
    expect((await docker("m1", ["service", "update", "-d", "--replicas-max-per-node", "0", service])).exitCode).toBe(0);
    const r = await ws.fdock(["cluster", "remove-node", "c1", "m3"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("draining m3");
    const ps = await docker("m1", ["service", "ps", service, "--filter", "desired-state=running", "--format", "{{.Node}}"]);
    const where = ps.stdout.split("\n").filter(Boolean);
    expect(where.length).toBe(3);
    expect(where).not.toContain(hosts[2]!.name);
    expect((await docker("m3", ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim()).toBe("inactive");
    const inspect = JSON.parse((await ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as { workers: string[]; nodes: Array<{ machine: string }> };
    expect(inspect.workers).toEqual(["m2"]);
    expect(inspect.nodes.map((n) => n.machine)).toEqual(["m1", "m2"]);
  });

  it("add joins a machine again as a worker", async () => {
    const r = await ws.fdock(["cluster", "add", "c1", "--worker", "m3"]);
    expect(r.exitCode, out(r)).toBe(0);
    const inspect = JSON.parse((await ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as { nodes: Array<{ machine: string; state: string }> };
    expect(inspect.nodes.map((n) => [n.machine, n.state])).toEqual([["m1", "ready"], ["m2", "ready"], ["m3", "ready"]]);
    const again = await ws.fdock(["cluster", "add", "c1", "--worker", "m2"]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('Machine m2 is already in cluster "c1"');
  });

  it("a second manager joins; the first manager can then be removed, and env/use point at the one left", async () => {
    // m4 leaves the swarm it was in (the bad-input test's), as the refusal said to.
    expect((await docker("m4", ["swarm", "leave", "--force"])).exitCode).toBe(0);
    const add = await ws.fdock(["cluster", "add", "c1", "--manager", "m4"]);
    expect(add.exitCode, out(add)).toBe(0);
    let inspect = JSON.parse((await ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as { managers: string[]; nodes: Array<{ machine: string; role: string; state: string }> };
    expect(inspect.managers).toEqual(["m1", "m4"]);
    expect(inspect.nodes.map((n) => [n.machine, n.role, n.state])).toEqual([["m1", "manager", "ready"], ["m4", "manager", "ready"], ["m2", "worker", "ready"], ["m3", "worker", "ready"]]);
    const r = await ws.fdock(["cluster", "remove-node", "c1", "m1"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("demoting m1");
    inspect = JSON.parse((await ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout);
    expect(inspect.managers).toEqual(["m4"]);
    expect(inspect.nodes.map((n) => [n.machine, n.role])).toEqual([["m4", "manager"], ["m2", "worker"], ["m3", "worker"]]);
    expect((await docker("m1", ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim()).toBe("inactive");
    expect((await ws.fdock(["env", "c1"])).stdout).toContain('DOCKER_CONTEXT="fdock-m4"');
    const use = await ws.fdock(["use", "c1"]);
    expect(use.exitCode, out(use)).toBe(0);
    expect((await sh("docker", ["info", "--format", "{{.Swarm.ControlAvailable}} {{.Name}}"], { env: ws.env })).stdout.trim()).toBe(`true ${hosts[3]!.name}`);
    expect((await ws.fdock(["use", "--default"])).exitCode).toBe(0);
  });

  it("rm: every node leaves the swarm, the machines stay intact and usable", async () => {
    await docker("m4", ["service", "rm", service]);
    const r = await ws.fdock(["cluster", "rm", "c1"]);
    expect(r.exitCode, out(r)).toBe(0);
    for (const n of names) {
      expect((await docker(n, ["info", "--format", "{{.Swarm.LocalNodeState}}"])).stdout.trim(), n).toBe("inactive");
    }
    const machines = JSON.parse((await ws.fdock(["machine", "ls", "--json"])).stdout) as Array<{ name: string; state: string }>;
    expect(machines.map((m) => [m.name, m.state])).toEqual(names.map((n) => [n, "Running"]));
    expect((await ws.fdock(["cluster", "ls", "--json"])).stdout.trim()).toBe("[]");
    const envC1 = await ws.fdock(["env", "c1"]);
    expect(envC1.exitCode).toBe(1);
    expect((await ws.fdock(["env", "m1"])).stdout).toContain('DOCKER_CONTEXT="fdock-m1"');
  });
});
