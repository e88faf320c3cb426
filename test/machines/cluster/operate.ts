/**
 * Operating an app deployed on the shared cluster (issue 12 point 2): `fdock ps`, `logs`,
 * `releases`, `rollback` and `down` with --remote CLUSTER, and a bare --remote after `fdock use
 * CLUSTER`. Its own app (own project name) on nginx port 8082; it removes its stack, release
 * records and images at the end.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { httpGet } from "../../../src/core/stack/http-check.js";
import { keepAsking } from "../../helpers/keep-asking.js";
import { copyExample } from "../../helpers/project.js";
import { out, type ClusterSuiteContext } from "../cluster-fixture.js";
import { ROOT } from "../ssh-host.js";

const PORT = 8082;

export function operateSuite(ctx: ClusterSuiteContext): void {
  // No persistent folder on a cluster; the SQLite file in the container (only routes without a database are asked).
  const example = copyExample({ persistent: [], release: `python -c "print('release ran')"` });
  const init = join(example.dir, "flask_blog/__init__.py");
  writeFileSync(init, readFileSync(init, "utf8").replace("app = Flask(__name__)", 'app = Flask(__name__, instance_path="/tmp/instance")'));
  const setVersion = (v: string) => {
    const file = join(example.dir, "flask_blog/version.py");
    writeFileSync(file, readFileSync(file, "utf8").replace(/VERSION = ".*"/, `VERSION = "${v}"`));
  };
  const w = () => ctx.world;
  const fdock = (args: string[]) => w().ws.fdock(["-C", example.dir, ...args]);
  const manager = () => w().names[0]!;
  const version = async (ip: string) => JSON.parse((await httpGet(`http://${ip}:${PORT}/api/version`)).body).version as string;
  const everyNodeServes = async (v: string) => {
    for (const h of w().hosts) for (let i = 0; i < 4; i++) expect(await version(h.ip), h.name).toBe(v);
  };
  const releases = async () => {
    const r = await fdock(["--json", "releases", "--remote", w().cluster]);
    expect(r.exitCode, out(r)).toBe(0);
    return JSON.parse(r.stdout) as Array<{ id: string; current: boolean; refs: { gunicorn: string } }>;
  };
  /** What of the stack is left on a machine: containers, networks, and (on the manager) services. */
  const leftOn = async (machine: string) => {
    const label = `label=com.docker.stack.namespace=${example.name}`;
    const list = async (args: string[]) => (await w().docker(machine, [...args, "--filter", label, "-q"])).stdout.trim();
    return [await list(["ps", "-a"]), await list(["network", "ls"]), machine === manager() ? await list(["service", "ls"]) : ""].join("");
  };

  afterAll(async () => {
    if (!ctx.world) return example.cleanup();
    await w().ws.fdock(["use", "--default"]).catch(() => undefined);
    await w().docker(manager(), ["stack", "rm", example.name]).catch(() => undefined);
    for (let i = 0; i < 60 && (await Promise.all(w().names.map(leftOn))).some(Boolean); i++) await new Promise((r) => setTimeout(r, 1000));
    const configs = (await w().docker(manager(), ["config", "ls", "-q", "--filter", `label=dev.fdock.release.project=${example.name}`])).stdout.trim().split("\n").filter(Boolean);
    if (configs.length) await w().docker(manager(), ["config", "rm", ...configs]);
    for (const m of w().names) {
      const images = (await w().docker(m, ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=fdock-${example.name}-*`])).stdout.trim().split("\n").filter(Boolean);
      if (images.length) await w().docker(m, ["image", "rm", ...images]);
    }
    example.cleanup();
  });

  it("ps and logs with nothing deployed say so, and how to deploy", async () => {
    for (const args of [["ps"], ["logs"]]) {
      const r = await fdock([...args, "--remote", w().cluster]);
      expect(r.exitCode, out(r)).toBe(1);
      expect(r.stderr).toContain(`Nothing of ${example.name} is deployed on cluster ${w().cluster}.`);
      expect(r.stderr).toContain(`fdock up --remote ${w().cluster}`);
    }
  });

  it("ps lists each gunicorn task with its machine; logs shows gunicorn's request lines from more than one node, and -f follows until Ctrl-C", async () => {
    const up = await fdock(["up", "--remote", w().cluster, "--port", String(PORT), "--replicas", String(w().names.length)]);
    expect(up.exitCode, out(up)).toBe(0);
    const ps = await fdock(["--json", "ps", "--remote", w().cluster]);
    expect(ps.exitCode, out(ps)).toBe(0);
    const tasks = JSON.parse(ps.stdout) as Array<{ service: string; machine: string; state: string; health: string; release: string; ports: Array<{ published: number }> }>;
    const gunicorns = tasks.filter((t) => t.service === "gunicorn");
    expect(gunicorns.length, ps.stdout).toBe(w().names.length);
    for (const t of gunicorns) expect(t).toMatchObject({ state: "running", health: "healthy", release: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(new Set(gunicorns.map((t) => t.machine)), ps.stdout).toEqual(new Set(w().names));
    expect(tasks.filter((t) => t.service === "nginx").map((t) => t.ports[0]?.published)).toEqual(w().names.map(() => PORT));
    const table = await fdock(["ps", "--remote", w().cluster]);
    expect(table.stdout).toMatch(new RegExp(`gunicorn\\.1 +(${w().names.join("|")}) `));

    for (const h of w().hosts) for (let i = 0; i < 15; i++) expect((await httpGet(`http://${h.ip}:${PORT}/api/version?asked-by=operate`)).status).toBe(200);
    const logs = await fdock(["logs", "--remote", w().cluster, "gunicorn"]);
    expect(logs.exitCode, out(logs)).toBe(0);
    const machines = new Set([...logs.stdout.matchAll(/^gunicorn\.\d+@(\S+) +\| .*"GET \/api\/version\?asked-by=operate/gm)].map((m) => m[1]));
    expect(machines.size, logs.stdout.slice(-3000)).toBeGreaterThan(1);
    for (const m of machines) expect(w().names).toContain(m);

    // -f: a request made after it started shows up; Ctrl-C (SIGINT) ends it.
    const follow = spawn(process.execPath, [join(ROOT, "dist/cli/bin.js"), "-C", example.dir, "logs", "--remote", w().cluster, "-f", "--tail", "1", "nginx"], { env: w().ws.env });
    let seen = "";
    follow.stdout.on("data", (d: Buffer) => (seen += d.toString()));
    const exited = new Promise<void>((resolve) => follow.on("exit", () => resolve()));
    try {
      for (let i = 0; i < 60 && !seen.includes("asked-by=follow"); i++) {
        await httpGet(`http://${w().hosts[0]!.ip}:${PORT}/api/version?asked-by=follow`);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(seen).toMatch(new RegExp(`nginx@${manager()} +\\| .*asked-by=follow`));
      follow.kill("SIGINT");
      const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
      expect(stopped, "logs -f still running 15 s after Ctrl-C").toBe(true);
    } finally {
      follow.kill("SIGKILL");
    }
  }, 900_000);

  it("a second version is a second release: releases lists 2, newest first, the serving one marked", async () => {
    setVersion("2");
    const up = await fdock(["up", "--remote", w().cluster, "--port", String(PORT), "--replicas", String(w().names.length)]);
    expect(up.exitCode, out(up)).toBe(0);
    await everyNodeServes("2");
    const list = await releases();
    expect(list.length).toBe(2);
    expect(list.map((r) => r.current)).toEqual([true, false]);
    expect(list[0]!.id > list[1]!.id).toBe(true);
    const table = await fdock(["releases", "--remote", w().cluster]);
    expect(table.stdout).toMatch(new RegExp(`^\\*  ${list[0]!.id} `, "m"));
  }, 900_000);

  it("rollback to an unknown release is refused, naming the kept ones", async () => {
    const list = await releases();
    const r = await fdock(["rollback", "20000101-000000", "--remote", w().cluster]);
    expect(r.exitCode, out(r)).toBe(1);
    expect(r.stderr).toContain(`No release 20000101-000000 on cluster ${w().cluster}.`);
    for (const rel of list) expect(r.stderr).toContain(rel.id);
    await everyNodeServes("2");
  });

  it("rollback serves version 1 again on every node while a client asks every 20 ms: no failed request", async () => {
    const [, first] = await releases();
    const asking = keepAsking(`http://${w().hosts[1]!.ip}:${PORT}/api/version`);
    const r = await fdock(["rollback", "--remote", w().cluster]);
    const statuses = await asking.stop();
    expect(r.exitCode, out(r)).toBe(0);
    expect(r.stdout).toContain(`serving release ${first!.id}`);
    expect(out(r)).not.toContain("Build");
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200), `of ${statuses.length}`).toEqual([]);
    await everyNodeServes("1");
    expect((await releases()).map((x) => x.current)).toEqual([false, true]);
  }, 900_000);

  it("a bare --remote after `fdock use CLUSTER` deploys to the cluster, not to its manager alone", async () => {
    const use = await w().ws.fdock(["use", w().cluster]);
    expect(use.exitCode, out(use)).toBe(0);
    try {
      setVersion("3");
      const up = await fdock(["up", "--remote", "--port", String(PORT)]);
      expect(up.exitCode, out(up)).toBe(0);
      expect(out(up)).toContain(`deploying to cluster ${w().cluster}`);
      await everyNodeServes("3");
      const ps = await fdock(["--json", "ps", "--remote"]);
      expect(new Set((JSON.parse(ps.stdout) as Array<{ machine: string }>).map((t) => t.machine))).toEqual(new Set(w().names));
    } finally {
      await w().ws.fdock(["use", "--default"]);
    }
  }, 900_000);

  it("down removes the stack and waits until nothing of it remains on any node; volumes kept, and said; a second down is refused", async () => {
    const r = await fdock(["down", "--remote", w().cluster]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(r.stderr).toContain("volumes kept");
    for (const m of w().names) expect(await leftOn(m), m).toBe("");
    for (const h of w().hosts) expect((await httpGet(`http://${h.ip}:${PORT}/healthz`).catch(() => ({ status: 0 }))).status, h.name).toBe(0);
    const again = await fdock(["down", "--remote", w().cluster]);
    expect(again.exitCode, out(again)).toBe(1);
    expect(again.stderr).toContain(`Nothing of ${example.name} is deployed on cluster ${w().cluster}.`);
  }, 900_000);
}
