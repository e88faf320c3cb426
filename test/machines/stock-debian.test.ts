import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../src/core/stack/http-check.js";
import { copyExample } from "../helpers/project.js";
import { buildFdock, hostExec, makeWorkstation, sh, startSshHost, type SshHost, type Workstation } from "./ssh-host.js";

/**
 * A stock Debian 12 server: bookworm's own apt sources only, so Docker's repository (which this
 * rig cannot reach, like a server behind a strict firewall) fails and the fallback installs
 * docker.io 20.10. fdock must provision it, fit the compose file to Engine 20.10 and serve.
 */
describe("a stock Debian 12 server (docker.io 20.10), with the generic driver", () => {
  let ws: Workstation;
  let host: SshHost;
  const example = copyExample();
  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

  beforeAll(async () => {
    await buildFdock();
    ws = await makeWorkstation();
    host = await startSshHost(readFileSync(`${ws.key}.pub`, "utf8").trim(), "bookworm");
  });

  afterAll(async () => {
    await ws?.fdock(["-C", example.dir, "down", "--remote", "old"]).catch(() => undefined);
    await ws?.fdock(["machine", "rm", "-y", "-f", "old"]).catch(() => undefined);
    await host?.stop();
    ws?.cleanup();
    example.cleanup();
  });

  it("provisions it: Docker's repository first, then bookworm's docker.io, saying which", async () => {
    const r = await ws.fdock(["machine", "create", "--driver", "generic", "--generic-ip-address", host.ip, "--generic-ssh-key", ws.key, "old"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(out(r)).toContain("trying Docker's apt repository (https://download.docker.com/linux/debian bookworm)");
    expect(out(r)).toContain("Docker's apt repository cannot be reached (curl: (6) Could not resolve host: download.docker.com): using the distribution's packages instead");
    expect(out(r)).toMatch(/apt-get install docker\.io\/bookworm \(20\.10\.[^)]*\) from the distribution's sources/);
    expect(out(r)).not.toContain("warning:");
    const config = JSON.parse(readFileSync(join(ws.fdockHome, "machines", "old", "config.json"), "utf8")) as { engineVersion: string };
    expect(config.engineVersion).toMatch(/^20\.10\./);
  });

  it("serves the example with up --remote on Engine 20.10, with a compose file fit for it", async () => {
    const images = [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable"];
    const load = await sh("sh", ["-c", `docker save "$1" "$2" | docker --context fdock-old load`, "sh", ...images], { env: ws.env });
    expect(load.exitCode, load.stderr).toBe(0);
    // fdock's per-Dockerfile ignore file (gunicorn.Dockerfile.dockerignore) keeps .env out of the
    // image: BuildKit in Engine 20.10 must read it too.
    writeFileSync(join(example.dir, ".env"), "SECRET_KEY=not-for-the-image\n");
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "old"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(r.stdout).toContain(`http://${host.ip}:80/`);
    const inImage = await sh("docker", ["--context", "fdock-old", "run", "--rm", "--entrypoint", "ls", `fdock-${example.name}-gunicorn:latest`, "-a", "/app", "/app/.fdock"], { env: ws.env });
    expect(inImage.exitCode, inImage.stderr).toBe(0);
    expect(inImage.stdout).toContain("fdock_wsgi.py");
    expect(inImage.stdout).not.toContain(".env");
    expect(inImage.stdout).not.toContain("compose.yaml");
    const compose = readFileSync(join(example.dir, ".fdock", "compose.yaml"), "utf8");
    expect(compose).not.toContain("start_interval");
    const health = await httpGet(`http://${host.ip}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.server).toBe("nginx");
    const version = await sh("docker", ["--context", "fdock-old", "version", "--format", "{{.Server.Version}}"], { env: ws.env });
    expect(version.stdout.trim()).toMatch(/^20\.10\./);
  });

  it("redeploys a code change beside the running version on Engine 20.10", async () => {
    writeFileSync(join(example.dir, "flask_blog", "version.py"), 'VERSION = "2"\n');
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "old"]);
    expect(r.exitCode, out(r)).toBe(0);
    expect(JSON.parse((await httpGet(`http://${host.ip}/api/version`)).body)).toMatchObject({ version: "2" });
    const ps = await ws.fdock(["-C", example.dir, "--json", "ps", "--remote", "old"]);
    expect((JSON.parse(ps.stdout) as Array<{ service: string }>).map((s) => s.service).sort()).toEqual(["front", "gunicorn", "nginx"]);
  });

  it("says the machine's engine does not answer, with the next step, and provision brings it back", async () => {
    const stop = await hostExec(host, 'kill "$(cat /var/run/docker.pid)"; i=0; while [ -e /var/run/docker.pid ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done');
    expect(stop.exitCode, stop.stderr).toBe(0);
    const r = await ws.fdock(["-C", example.dir, "up", "--remote", "old"]);
    expect(r.exitCode, out(r)).toBe(3);
    expect(r.stderr).toContain(`No Docker engine answers on machine "old" (${host.ip})`);
    expect(r.stderr).toContain("fdock machine provision old");
    expect(r.stderr).not.toContain("This is a bug");
    const provision = await ws.fdock(["machine", "provision", "old"]);
    expect(provision.exitCode, out(provision)).toBe(0);
    expect(out(provision)).toContain("starting dockerd in the background");
    const again = await ws.fdock(["-C", example.dir, "up", "--remote", "old"]);
    expect(again.exitCode, out(again)).toBe(0);
  });
});
