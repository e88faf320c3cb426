import { existsSync, readFileSync, statSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../src/core/stack/http-check.js";
import { copyExample, TASKS_EXAMPLE_DIR } from "../helpers/project.js";
import { buildFdock, hostExec, makeWorkstation, ROOT, sh, startSshHost, type SshHost, type Workstation } from "./ssh-host.js";

/**
 * The generic driver against a real server: a privileged container with sshd and no Docker,
 * which fdock provisions over SSH. One host serves the whole file (installing Docker takes a
 * while); a root machine and a sudo-user machine both point at it.
 */
describe("fdock machine with the generic driver, on a real SSH host", () => {
  let ws: Workstation;
  let host: SshHost;
  const example = copyExample();
  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

  beforeAll(async () => {
    await buildFdock();
    ws = await makeWorkstation();
    host = await startSshHost(readFileSync(`${ws.key}.pub`, "utf8").trim());
  });

  afterAll(async () => {
    for (const name of ["web", "deployer", "late", "busy", "pinned", "mute", "stranger"]) {
      await ws?.fdock(["machine", "rm", "-y", "-f", name]).catch(() => undefined);
    }
    await host?.stop();
    ws?.cleanup();
    example.cleanup();
  });

  it("creates a machine as root: pins the host key, installs Docker over SSH, writes 0600 state", async () => {
    const r = await ws.fdock(["machine", "create", "--driver", "generic", "--generic-ip-address", host.ip, "--generic-ssh-key", ws.key, "web"]);
    expect(r.exitCode, out(r)).toBe(0);
    // The fingerprint the host itself shows (what a user compares out of band).
    const fp = (await hostExec(host, "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")).stdout.split(" ")[1];
    expect(fp).toMatch(/^SHA256:/);
    expect(out(r)).toContain(`pinned host key ${fp}`);
    expect(out(r)).toContain("installing the Docker engine");
    const dir = join(ws.fdockHome, "machines", "web");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config).toMatchObject({ version: 1, name: "web", driver: "generic", state: "ready", ssh: { host: host.ip, port: 22, user: "root" } });
    expect(Number(config.engineVersion.split(".")[0])).toBeGreaterThanOrEqual(23);
    for (const f of ["config.json", "id", "known_hosts"]) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(ws.home, ".ssh", "config"), "utf8")).toContain(`Include "${ws.fdockHome}/ssh_config"`);
    expect(readFileSync(join(ws.fdockHome, "ssh_config"), "utf8")).toMatch(/Host fdock-web\n\s+HostName .*\n[\s\S]*StrictHostKeyChecking yes/);
  });

  it("lets the plain docker CLI use the machine through its context", async () => {
    const r = await sh("docker", ["--context", "fdock-web", "info", "--format", "{{.Name}}"], { env: ws.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(host.name);
  });

  it("re-provisions idempotently: nothing is installed twice", async () => {
    const r = await ws.fdock(["machine", "provision", "web"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("the Docker engine is installed");
    expect(out(r)).toContain("the Docker engine is running");
    expect(out(r)).not.toContain("installing the Docker engine");
  });

  it("creates a machine as a sudo user, who then runs docker without sudo", async () => {
    const r = await ws.fdock(["machine", "create", "-d", "generic", "--generic-ip-address", host.ip, "--generic-ssh-user", "deploy", "--generic-ssh-key", ws.key, "deployer"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("added deploy to the docker group");
    const ps = await sh("docker", ["--context", "fdock-deployer", "ps", "--format", "{{.Names}}"], { env: ws.env });
    expect(ps.exitCode, ps.stderr).toBe(0);
    const who = await ws.fdock(["machine", "ssh", "deployer", "--", "id", "-nG"]);
    expect(who.stdout).toContain("docker");
  });

  it("lists machines and inspects one without secrets", async () => {
    const ls = await ws.fdock(["machine", "ls", "--json"]);
    const rows = JSON.parse(ls.stdout) as Array<{ name: string; state: string; url: string; docker: string }>;
    expect(rows.map((r) => r.name)).toEqual(["deployer", "web"]);
    expect(rows[1]).toMatchObject({ state: "Running", url: "ssh://fdock-web" });
    const inspect = await ws.fdock(["machine", "inspect", "web"]);
    expect(inspect.stdout).not.toContain("PRIVATE KEY");
    expect((await ws.fdock(["machine", "ip", "web"])).stdout.trim()).toBe(host.ip);
  });

  it("points a bash shell at the machine with eval $(fdock env) and back with env -u", async () => {
    const script = [
      `eval "$(fdock env web)"`,
      `docker info --format 'remote={{.Name}}'`,
      `fdock active`,
      `eval "$(fdock env -u)"`,
      `docker info --format 'local={{.Name}}'`,
    ].join("\n");
    const bin = join(ws.root, "bin", "fdock");
    writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "dist/cli/bin.js")}" "$@"\n`, { mode: 0o755 });
    const r = await sh("bash", ["-c", script], { env: { ...ws.env, DOCKER_HOST: "unix:///var/run/docker.sock" } });
    expect(r.exitCode, r.stderr).toBe(0);
    const localName = (await sh("docker", ["info", "--format", "{{.Name}}"])).stdout.trim();
    expect(r.stdout).toContain(`remote=${host.name}`);
    expect(r.stdout).toContain("\nweb\n");
    expect(r.stdout).toContain(`local=${localName}`);
    // The persistent switch: every shell, until --default.
    expect((await ws.fdock(["use", "web"])).exitCode).toBe(0);
    expect((await sh("docker", ["info", "--format", "{{.Name}}"], { env: ws.env })).stdout.trim()).toBe(host.name);
    expect((await ws.fdock(["active"])).stdout.trim()).toBe("web");
    expect((await ws.fdock(["use", "--default"])).exitCode).toBe(0);
    expect((await sh("docker", ["info", "--format", "{{.Name}}"], { env: ws.env })).stdout.trim()).toBe(localName);
    const refused = await ws.fdock(["env", "-u", "web"]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("takes no machine name");
  });

  it("deploys the example app with up --remote: built on the machine, served by nginx on port 80", async () => {
    // Real users' machines pull the base images from Docker Hub; here, the local stand-ins are loaded.
    const images = [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable"];
    const load = await sh("sh", ["-c", `docker save "$1" "$2" | docker --context fdock-web load`, "sh", ...images], { env: ws.env });
    expect(load.exitCode, load.stderr).toBe(0);
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "web"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(r.stdout).toContain(`http://${host.ip}:80/`);
    // No noise on the normal path: once, every API call over SSH printed Node's DEP0170 warning.
    expect(r.stderr).not.toMatch(/Warning/);
    const health = await httpGet(`http://${host.ip}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.server).toBe("nginx");
    expect(JSON.parse((await httpGet(`http://${host.ip}/api/version`)).body)).toMatchObject({ version: "1" });
    const ps = await ws.fdock(["-C", example.dir, "--json", "ps", "--remote", "web"]);
    expect((JSON.parse(ps.stdout) as Array<{ service: string }>).map((s) => s.service).sort()).toEqual(["front", "gunicorn", "nginx"]);
    // nothing of it runs on the local engine
    const local = await sh("docker", ["ps", "-q", "--filter", `label=com.docker.compose.project=${example.name}`]);
    expect(local.stdout.trim()).toBe("");
  });

  it("redeploys a code change with up --remote", async () => {
    writeFileSync(join(example.dir, "flask_blog", "version.py"), 'VERSION = "2"\n');
    const r = await ws.fdock(["-C", example.dir, "--verbose", "up", "--remote", "web"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(JSON.parse((await httpGet(`http://${host.ip}/api/version`)).body)).toMatchObject({ version: "2" });
    // Only the code layer was rebuilt: the dependency layer came from the remote engine's cache.
    expect(out(r)).toMatch(/CACHED/);
  });

  it("runs one-off commands on the machine: fdock run --remote in the deployed image, fdock exec --remote in gunicorn", async () => {
    const run = await ws.fdock(["-C", example.dir, "run", "--remote", "web", "--", "python", "-c", "import sys; from flask_blog.version import VERSION; print('remote', VERSION); sys.exit(3)"], { input: "" });
    expect(run.stdout, out(run)).toBe("remote 2\n");
    expect(run.exitCode).toBe(3);
    const exec = await ws.fdock(["-C", example.dir, "exec", "--remote", "web", "gunicorn", "--", "python", "-c", "import sys; print('in gunicorn'); sys.exit(4)"], { input: "" });
    expect(exec.stdout, out(exec)).toBe("in gunicorn\n");
    expect(exec.exitCode).toBe(4);
    // The one-off is gone; nothing ran on the local engine.
    const ps = await ws.fdock(["-C", example.dir, "--json", "ps", "--remote", "web"]);
    expect((JSON.parse(ps.stdout) as Array<{ service: string }>).map((s) => s.service).sort()).toEqual(["front", "gunicorn", "nginx"]);
    const local = await sh("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${example.name}`]);
    expect(local.stdout.trim()).toBe("");
  });

  it("prints the failing service's output and exits non-zero when a remote deploy breaks", async () => {
    writeFileSync(join(example.dir, "flask_blog", "version.py"), "VERSION = (\n");
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "web"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("SyntaxError");
    writeFileSync(join(example.dir, "flask_blog", "version.py"), 'VERSION = "2"\n');
    const down = await ws.fdock(["-C", example.dir, "down", "--remote", "web"]);
    expect(down.exitCode, out(down)).toBe(0);
    const ps = await ws.fdock(["-C", example.dir, "--json", "ps", "--remote", "web"]);
    expect(JSON.parse(ps.stdout)).toEqual([]);
  });

  it.skipIf(!process.env.FDOCK_POSTGRES_IMAGE || !process.env.FDOCK_REDIS_IMAGE)(
    "runs an app with Postgres, Redis and a Celery worker with up --remote: the same fdock.yaml as locally",
    async () => {
      const tasks = copyExample({}, TASKS_EXAMPLE_DIR);
      try {
        const images = [process.env.FDOCK_POSTGRES_IMAGE!, process.env.FDOCK_REDIS_IMAGE!];
        const load = await sh("sh", ["-c", `docker save "$1" "$2" | docker --context fdock-web load`, "sh", ...images], { env: ws.env });
        expect(load.exitCode, load.stderr).toBe(0);
        const r = await ws.fdock(["-C", tasks.dir, "up", "--remote", "web"]);
        expect(r.exitCode, out(r)).toBe(0);
        expect(out(r)).toMatch(/Start services \(.*postgres.*redis.*\), wait until healthy/);
        const base = `http://${host.ip}`;
        const posted = await fetch(`${base}/jobs`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "on the machine" }) });
        expect(posted.status).toBe(202);
        const { id } = (await posted.json()) as { id: number };
        let job: Record<string, unknown> = {};
        for (let i = 0; i < 100 && job.status !== "done"; i++) {
          job = (await (await fetch(`${base}/jobs/${id}`)).json()) as Record<string, unknown>;
          if (job.status !== "done") await new Promise((res) => setTimeout(res, 300));
        }
        expect(job).toMatchObject({ status: "done", result: { word_count: 3 } });
        const ps = await ws.fdock(["-C", tasks.dir, "--json", "ps", "--remote", "web"]);
        expect((JSON.parse(ps.stdout) as Array<{ service: string; state: string }>).map((s) => `${s.service} ${s.state}`).sort()).toEqual(
          ["front running", "gunicorn running", "nginx running", "postgres running", "redis running", "worker running"],
        );
      } finally {
        const down = await ws.fdock(["-C", tasks.dir, "down", "-v", "--yes", "--remote", "web"]);
        tasks.cleanup();
        expect(down.exitCode, out(down)).toBe(0);
      }
    },
  );

  it("refuses up --remote with no active machine", async () => {
    const r = await ws.fdock(["-C", example.dir, "up", "--remote"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("no machine is active");
  });

  it("refuses a changed host key, for fdock and for the plain ssh", async () => {
    const knownHosts = join(ws.fdockHome, "machines", "web", "known_hosts");
    const saved = readFileSync(knownHosts, "utf8");
    const other = join(ws.root, "other_host_key");
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
    writeFileSync(knownHosts, `fdock-web ${readFileSync(`${other}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`);
    try {
      const r = await ws.fdock(["machine", "provision", "web"]);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain("has CHANGED");
      expect(r.stderr).toContain(knownHosts);
      await sh("ssh", ["-F", join(ws.fdockHome, "ssh_config"), "-O", "exit", "fdock-web"], { env: ws.env });
      const cli = await sh("docker", ["--context", "fdock-web", "ps"], { env: ws.env });
      expect(cli.exitCode).not.toBe(0);
      expect(cli.stderr).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
    } finally {
      writeFileSync(knownHosts, saved);
    }
  });

  it("refuses a host whose key differs from --generic-ssh-host-key", async () => {
    const r = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "--generic-ssh-key", ws.key, "--generic-ssh-host-key", readFileSync(join(ws.root, "other_host_key.pub"), "utf8"), "--ssh-timeout", "10", "pinned"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("not the one given for machine \"pinned\"");
    expect(existsSync(join(ws.fdockHome, "machines", "pinned", "known_hosts"))).toBe(false);
  });

  it("names host and port when nothing listens, within the SSH timeout", async () => {
    const r = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "--generic-ssh-port", "2222", "--generic-ssh-key", ws.key, "--ssh-timeout", "3", "late"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`${host.ip}:2222`);
    expect(r.stderr).toContain("connection refused");
    expect(r.stderr).toContain("fdock machine provision late");
  });

  it("names host and port when something accepts TCP but never speaks SSH, within --ssh-timeout", async () => {
    const silent = createServer(() => undefined); // accepts, never answers: a black hole on loopback
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      const r = await ws.fdock(["machine", "create", "--generic-ip-address", "127.0.0.1", "--generic-ssh-port", String(port), "--generic-ssh-key", ws.key, "--ssh-timeout", "4", "mute"]);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain(`127.0.0.1:${port} did not answer within`);
      expect(r.stderr).toContain("Gave up after 4 s");
    } finally {
      silent.close();
    }
  });

  it("says which key and user the host refused", async () => {
    const stranger = join(ws.root, "stranger_key");
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
    const r = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "--generic-ssh-key", stranger, "--ssh-timeout", "10", "stranger"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`${host.ip}:22 refused the key`);
    expect(r.stderr).toContain("for user root");
  });

  it("refuses a key file others can read, like ssh", async () => {
    const loose = join(ws.root, "loose_key");
    copyFileSync(ws.key, loose);
    chmodSync(loose, 0o644);
    const r = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "--generic-ssh-key", loose, "loose"]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("too open");
    expect(r.stderr).toContain(`chmod 600 ${loose}`);
    expect(existsSync(join(ws.fdockHome, "machines", "loose"))).toBe(false);
  });

  it("refuses a second fdock creating the same machine while the first works on it", async () => {
    const first = ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "--generic-ssh-port", "2222", "--generic-ssh-key", ws.key, "--ssh-timeout", "8", "busy"]);
    const pidFile = join(ws.fdockHome, "locks", "busy.lock", "pid");
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const second = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "--generic-ssh-key", ws.key, "busy"]);
    expect(second.exitCode).not.toBe(0);
    expect(second.stderr).toContain("Another fdock process");
    await first;
  });

  it("tells unknown machines and invalid names apart, with a next step", async () => {
    const unknown = await ws.fdock(["machine", "status", "nope"]);
    expect(unknown.stderr).toContain('There is no machine named "nope"');
    expect(unknown.stderr).toContain("fdock machine ls");
    const invalid = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "-bad_name"]);
    expect(invalid.exitCode).not.toBe(0);
    const invalid2 = await ws.fdock(["machine", "create", "--generic-ip-address", host.ip, "bad_name"]);
    expect(invalid2.stderr).toContain("not a valid machine name");
  });

  it("removes a machine: Docker context, ssh entry and local state", async () => {
    const r = await ws.fdock(["machine", "rm", "-y", "web"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect((await sh("docker", ["context", "inspect", "fdock-web"], { env: ws.env })).exitCode).not.toBe(0);
    expect(readFileSync(join(ws.fdockHome, "ssh_config"), "utf8")).not.toContain("fdock-web");
    expect(existsSync(join(ws.fdockHome, "machines", "web"))).toBe(false);
    // rm of a machine whose host never answered (created in the failed tests above) with -f
    const late = await ws.fdock(["machine", "rm", "-y", "-f", "late"]);
    expect(late.exitCode, out(late)).toBe(0);
    expect(existsSync(join(ws.fdockHome, "machines", "late"))).toBe(false);
  });
});
