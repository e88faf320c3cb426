/**
 * `fdock up --remote CLUSTER`: the example app as a Swarm stack, updated while a client keeps
 * asking, a broken update rolled back by Swarm, and a worker lost and its tasks rescheduled.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { httpGet } from "../../../src/core/stack/http-check.js";
import { keepAsking } from "../../helpers/keep-asking.js";
import { copyExample } from "../../helpers/project.js";
import { out, type ClusterSuiteContext } from "../cluster-fixture.js";
import { hostExec, sh } from "../ssh-host.js";

/** A deploy's rollout (tasks started, health-checked, the old ones stopped, or all rolled back) on a busy 2-CPU machine. */
const ROLLOUT_MS = 300_000;

export function deploySuite(ctx: ClusterSuiteContext): void {
  // No persistent folder on a cluster (each node would have its own); a release that says it ran.
  const example = copyExample({ persistent: [], release: `python -c "print('release ran on', __import__('socket').gethostname())"` });
  // The example writes its SQLite file under /app/instance, a persistent folder on one engine; on a
  // cluster it keeps it in the container instead (the suite asks only routes that use no database).
  const init = join(example.dir, "flask_blog/__init__.py");
  writeFileSync(init, readFileSync(init, "utf8").replace("app = Flask(__name__)", 'app = Flask(__name__, instance_path="/tmp/instance")'));
  const up = () => ctx.world.ws.fdock(["-C", example.dir, "up", "--remote", "c1", "--replicas", "3"]);
  const version = async (ip: string) => JSON.parse((await httpGet(`http://${ip}/api/version`)).body).version as string;
  const setVersion = (v: string) => {
    const file = join(example.dir, "flask_blog/version.py");
    writeFileSync(file, readFileSync(file, "utf8").replace(/VERSION = ".*"/, `VERSION = "${v}"`));
  };
  /** The nodes (swarm hostnames) of gunicorn's running tasks. */
  const runningOn = async () => {
    const ps = await ctx.world.docker("m1", ["service", "ps", `${example.name}_gunicorn`, "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"]);
    return ps.stdout.split("\n").filter((l) => l.includes("Running")).map((l) => l.split(" ")[0]!);
  };

  afterAll(async () => {
    await ctx.world?.docker("m1", ["stack", "rm", example.name]).catch(() => undefined);
    example.cleanup();
  });

  it("deploys 3 gunicorn replicas, one per node, nginx answering on every node's port 80 with the client's own address", async () => {
    const { hosts } = ctx.world;
    const r = await up();
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("release ran on");
    expect(out(r)).toMatch(/m2: copied fdock-.*-gunicorn:[0-9a-f]{12}, fdock-.*-nginx:[0-9a-f]{12}/);
    expect(r.stdout).toContain(`is serving at http://${hosts[0]!.ip}/`);
    expect(new Set(await runningOn())).toEqual(new Set(hosts.map((h) => h.name)));
    // The client's address reaches the app: this process's address on the hosts' network, not an overlay or ingress one.
    const gateway = await ctx.world.gateway();
    for (const h of hosts) {
      expect((await httpGet(`http://${h.ip}/healthz`)).status, h.name).toBe(200);
      expect(await version(h.ip)).toBe("1");
      expect(JSON.parse((await httpGet(`http://${h.ip}/api/whoami`)).body).remote_addr, h.name).toBe(gateway);
    }
  }, ROLLOUT_MS);

  it("the same app deployed to one of the cluster's machines alone is refused before anything changes: the port is the cluster's", async () => {
    const { hosts } = ctx.world;
    const before = (await ctx.world.docker("m1", ["ps", "-q"])).stdout.trim().split("\n").sort();
    const r = await ctx.world.ws.fdock(["-C", example.dir, "up", "--remote", "m1"]);
    expect(r.exitCode, out(r)).toBe(3);
    expect(r.stderr).toContain(`Port 80 on ${hosts[0]!.ip} is held by ${example.name}'s nginx on cluster c1`);
    expect(r.stderr).toContain("fdock up --remote c1");
    // Nothing built or started, none of the stack's containers touched; `down --remote m1` finds nothing of its own.
    expect((await ctx.world.docker("m1", ["ps", "-q"])).stdout.trim().split("\n").sort()).toEqual(before);
    const down = await ctx.world.ws.fdock(["-C", example.dir, "down", "--remote", "m1"]);
    expect(out(down)).not.toMatch(/Removed|Stopping|Stopped/);
    expect((await ctx.world.docker("m1", ["ps", "-q"])).stdout.trim().split("\n").sort()).toEqual(before);
    for (const h of hosts) expect(await version(h.ip), h.name).toBe("1");
  }, ROLLOUT_MS);

  it("rolls a code change out while a client asks every 20 ms: no failed request, the new code served on every node", async () => {
    const { hosts } = ctx.world;
    setVersion("2");
    const asking = keepAsking(`http://${hosts[1]!.ip}/api/version`);
    const r = await up();
    const statuses = await asking.stop();
    expect(r.exitCode, out(r)).toBe(0);
    // Each other node is sent only the new code layer: it has the base and the dependencies.
    for (const node of ["m2", "m3"]) {
      const line = new RegExp(`${node}: copied fdock-[^ ]*-gunicorn:[0-9a-f]{12} \\((\\d+) of (\\d+) layers sent, ([\\d.]+) MB; ([\\d.]+) MB already there\\)`).exec(out(r));
      expect(line, out(r)).not.toBeNull();
      const [, sent, of, mb, already] = line!.map(Number) as [number, number, number, number, number];
      expect([sent, of > 1]).toEqual([1, true]);
      expect(mb).toBeLessThan(already / 10);
    }
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200), `of ${statuses.length}`).toEqual([]);
    for (const h of hosts) for (let i = 0; i < 6; i++) expect(await version(h.ip), h.name).toBe("2");
  }, ROLLOUT_MS);

  it("a node with no space for the new image stops the deploy before the stack changes, naming the node; the old version serves", async () => {
    const { hosts } = ctx.world;
    // m2's engine unpacks what it loads in its temp folder (/var/lib/docker/tmp): a 4 kB disk there (one page: less than any layer).
    const full = await hostExec(hosts[1]!, "mount -t tmpfs -o size=4k fdock-test-full /var/lib/docker/tmp");
    expect(full.exitCode, full.stderr).toBe(0);
    setVersion("2b");
    try {
      const r = await up();
      expect(r.exitCode, out(r)).toBe(1);
      expect(r.stderr).toMatch(/Copying image fdock-.*-gunicorn:[0-9a-f]{12} to machine "m2" failed: .*no space left on device/);
      expect(r.stderr).toContain("Free space on m2");
      for (const h of hosts) expect(await version(h.ip), h.name).toBe("2");
    } finally {
      await hostExec(hosts[1]!, "umount -l /var/lib/docker/tmp");
      setVersion("2");
    }
  }, ROLLOUT_MS);

  it("a broken update is rolled back by Swarm: exit 4, and the old version keeps answering throughout", async () => {
    const { hosts } = ctx.world;
    const views = join(example.dir, "flask_blog/views.py");
    const good = readFileSync(views, "utf8");
    writeFileSync(views, good + "\ndef broken(:\n");
    setVersion("3");
    const asking = keepAsking(`http://${hosts[2]!.ip}/api/version`);
    try {
      const r = await up();
      const statuses = await asking.stop();
      expect(r.exitCode, out(r)).toBe(4);
      expect(r.stderr).toContain("rolled");
      expect(r.stderr).toContain("the old version still serves");
      expect(statuses.filter((s) => s !== 200), `of ${statuses.length}`).toEqual([]);
      for (const h of hosts) expect(await version(h.ip), h.name).toBe("2");
    } finally {
      await asking.stop();
      writeFileSync(views, good);
      setVersion("2");
    }
  }, ROLLOUT_MS);

  it("a worker that disappears: Swarm runs its gunicorn task on the other nodes, and they keep answering", async () => {
    const { hosts, names } = ctx.world;
    // A worker that runs a gunicorn task (after the rollback Swarm may have put two on one node).
    const before = await runningOn();
    const at = [2, 1].find((i) => before.includes(hosts[i]!.name));
    expect(at, `gunicorn runs on ${before.join(" ")}`).toBeDefined();
    const lost = hosts[at!]!;
    const left = hosts.filter((h) => h !== lost);
    // The machine freezes as a whole (engine, sshd, its containers), as a host that lost power or network.
    expect((await sh("docker", ["pause", lost.name])).exitCode).toBe(0);
    let during: number[] = [];
    const asking = left.map((h) => keepAsking(`http://${h.ip}/api/version`));
    try {
      let nodes: string[] = [];
      for (let i = 0; i < 120; i++) {
        nodes = await runningOn();
        if (nodes.length === 3 && !nodes.includes(lost.name)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(nodes.length, nodes.join(" ")).toBe(3);
      expect(nodes).not.toContain(lost.name);
      // Once rescheduled, every request through the nodes left is answered.
      const after = keepAsking(`http://${left[1]!.ip}/api/version`);
      await new Promise((r) => setTimeout(r, 3000));
      const settled = await after.stop();
      expect(settled.filter((s) => s !== 200), `of ${settled.length}`).toEqual([]);
    } finally {
      during = (await Promise.all(asking.map((a) => a.stop()))).flat();
      console.log(`node loss: ${during.filter((s) => s !== 200).length} of ${during.length} requests through the other two nodes failed until the tasks were rescheduled`);
      expect((await sh("docker", ["unpause", lost.name])).exitCode).toBe(0);
    }
    // The machine comes back and is a ready node again (its old tasks are shut down by Swarm).
    let ready = "";
    for (let i = 0; i < 60 && ready !== "ready"; i++) {
      const inspect = JSON.parse((await ctx.world.ws.fdock(["cluster", "inspect", "c1", "--json"])).stdout) as { nodes: Array<{ machine: string; state: string }> };
      ready = inspect.nodes.find((n) => n.machine === names[at!])?.state ?? "";
      if (ready !== "ready") await new Promise((r) => setTimeout(r, 1000));
    }
    expect(ready).toBe("ready");
    expect(await version(hosts[0]!.ip)).toBe("2");
    // While Swarm noticed the loss, the requests nginx sent to the lost node's task failed over to another
    // task (a GET is retried on the next address when a connection fails): the site kept answering.
    expect(during.filter((s) => s === 200).length, `${during.length} requests`).toBeGreaterThan(during.length * 0.9);
  }, ROLLOUT_MS);
}
