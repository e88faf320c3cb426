import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Network, type StartedNetwork } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../src/core/stack/http-check.js";
import { keepAsking } from "../helpers/keep-asking.js";
import { copyExample } from "../helpers/project.js";
import { buildFdock, makeWorkstation, sh, startSshHost, type SshHost, type Workstation } from "./ssh-host.js";

/**
 * `fdock up --remote CLUSTER` against real engines: three SSH hosts (privileged containers on one
 * Docker network, Docker installed by fdock's provisioner) made a Swarm cluster by `fdock cluster
 * create`, the example app deployed there as a stack, updated while a client keeps asking, and a
 * broken update rolled back by Swarm.
 */
describe("fdock up --remote CLUSTER on three SSH hosts", () => {
  let ws: Workstation;
  let network: StartedNetwork;
  const hosts: SshHost[] = [];
  const names = ["m1", "m2", "m3"];
  // No persistent folder on a cluster (each node would have its own); a release that says it ran.
  const example = copyExample({ persistent: [], release: `python -c "print('release ran on', __import__('socket').gethostname())"` });
  // The example writes its SQLite file under /app/instance, a persistent folder on one engine; on a
  // cluster it keeps it in the container instead (the test asks only routes that use no database).
  const init = join(example.dir, "flask_blog/__init__.py");
  writeFileSync(init, readFileSync(init, "utf8").replace("app = Flask(__name__)", 'app = Flask(__name__, instance_path="/tmp/instance")'));
  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const docker = (args: string[]) => sh("docker", ["--context", "fdock-m1", ...args], { env: ws.env });
  const version = async (ip: string) => JSON.parse((await httpGet(`http://${ip}/api/version`)).body).version as string;
  const setVersion = (v: string) => {
    const file = join(example.dir, "flask_blog/version.py");
    writeFileSync(file, readFileSync(file, "utf8").replace(/VERSION = ".*"/, `VERSION = "${v}"`));
  };

  beforeAll(async () => {
    await buildFdock();
    ws = await makeWorkstation();
    network = await new Network().start();
    const key = readFileSync(`${ws.key}.pub`, "utf8").trim();
    hosts.push(...(await Promise.all(names.map((n) => startSshHost(key, "trixie", { suffix: `d${n}`, network })))));
    // The rig's package index (PyPI's stand-in, in the python stand-in's PIP_INDEX_URL) listens on the
    // default bridge's gateway, which refuses connections from a user-defined network: the manager,
    // which builds, joins the default bridge too, before its engine is installed (so that the inner
    // engine picks a subnet clear of both).
    const joined = await sh("docker", ["network", "connect", "bridge", hosts[0]!.name]);
    expect(joined.exitCode, joined.stderr).toBe(0);
    const created = await Promise.all(names.map((n, i) => ws.fdock(["machine", "create", "-d", "generic", "--generic-ip-address", hosts[i]!.ip, "--generic-ssh-key", ws.key, n])));
    created.forEach((r, i) => expect(r.exitCode, `${names[i]}: ${out(r)}`).toBe(0));
    const cluster = await ws.fdock(["cluster", "create", "c1", "--manager", "m1", "--worker", "m2", "--worker", "m3"]);
    expect(cluster.exitCode, out(cluster)).toBe(0);
    // Real users' managers pull the base images from Docker Hub; here, the local stand-ins are loaded on the manager only.
    const images = [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable"];
    const load = await sh("sh", ["-c", `docker save "$1" "$2" | docker --context fdock-m1 load`, "sh", ...images], { env: ws.env });
    expect(load.exitCode, load.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await docker(["stack", "rm", example.name]).catch(() => undefined);
    await ws?.fdock(["cluster", "rm", "--force", "c1"]).catch(() => undefined);
    for (const n of names) await ws?.fdock(["machine", "rm", "-y", "-f", n]).catch(() => undefined);
    for (const h of hosts) await h.stop().catch(() => undefined);
    await network?.stop().catch(() => undefined);
    ws?.cleanup();
    example.cleanup();
  });

  it("deploys 3 gunicorn replicas, one per node, nginx answering on every node's port 80 with the client's own address", async () => {
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "c1", "--replicas", "3"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("release ran on");
    expect(out(r)).toMatch(/m2: copied fdock-.*-gunicorn:[0-9a-f]{12}, fdock-.*-nginx:[0-9a-f]{12}/);
    expect(r.stdout).toContain(`is serving at http://${hosts[0]!.ip}/`);
    const ps = await docker(["service", "ps", `${example.name}_gunicorn`, "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"]);
    const running = ps.stdout.split("\n").filter((l) => l.includes("Running"));
    expect(running.length, ps.stdout).toBe(3);
    expect(new Set(running.map((l) => l.split(" ")[0])), ps.stdout).toEqual(new Set(hosts.map((h) => h.name)));
    // The client's address reaches the app: this process's address on the hosts' network, not an overlay or ingress one.
    const gateway = (await sh("docker", ["network", "inspect", network.getName(), "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"])).stdout.trim();
    for (const h of hosts) {
      expect((await httpGet(`http://${h.ip}/healthz`)).status, h.name).toBe(200);
      expect(await version(h.ip)).toBe("1");
      expect(JSON.parse((await httpGet(`http://${h.ip}/api/whoami`)).body).remote_addr, h.name).toBe(gateway);
    }
  });

  it("rolls a code change out while a client asks every 20 ms: no failed request, the new code served on every node", async () => {
    setVersion("2");
    const asking = keepAsking(`http://${hosts[1]!.ip}/api/version`);
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "c1", "--replicas", "3"]);
    const statuses = await asking.stop();
    expect(r.exitCode, out(r)).toBe(0);
    // A code-only change leaves nginx's image (and so nginx) as it was: only gunicorn rolls.
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200), `of ${statuses.length}`).toEqual([]);
    for (const h of hosts) for (let i = 0; i < 6; i++) expect(await version(h.ip), h.name).toBe("2");
  });

  it("a broken update is rolled back by Swarm: exit 4, and the old version keeps answering throughout", async () => {
    const views = join(example.dir, "flask_blog/views.py");
    const good = readFileSync(views, "utf8");
    writeFileSync(views, good + "\ndef broken(:\n");
    setVersion("3");
    const asking = keepAsking(`http://${hosts[2]!.ip}/api/version`);
    try {
      const r = await ws.fdock(["-C", example.dir, "up", "--remote", "c1", "--replicas", "3"]);
      const statuses = await asking.stop();
      expect(r.exitCode, out(r)).toBe(4);
      expect(r.stderr).toContain("rolled");
      expect(r.stderr).toContain("the old version still serves");
      expect(statuses.filter((s) => s !== 200), `of ${statuses.length}`).toEqual([]);
      for (const h of hosts) expect(await version(h.ip), h.name).toBe("2");
    } finally {
      await asking.stop();
      writeFileSync(views, good);
    }
  });
});
