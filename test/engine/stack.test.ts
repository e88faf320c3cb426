import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existingCompose } from "../../src/core/stack/existing-compose.js";
import { silentReporter } from "../../src/core/events.js";
import { up } from "../../src/core/stack/up.js";
import type { UpResult } from "../../src/core/stack/up.js";
import { failure } from "../helpers/failure.js";
import { keepAsking } from "../helpers/keep-asking.js";
import { copyExample } from "../helpers/project.js";
import { canConnect, docker, downLocal, eventually, httpGet, projectContainers, projectNetworks, removeProjectImages, upLocal } from "../helpers/engine.js";

const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

/** The production stack of the example app on the real engine, through real nginx and gunicorn. */
describe("fdock up (production) on a real engine", () => {
  const ex = copyExample();
  let result: UpResult;
  let base: string;

  beforeAll(async () => {
    result = await upLocal(ex.dir, "production");
    base = `http://127.0.0.1:${result.port}`;
  });
  /** Names of this stack's gunicorn containers, running or not. */
  const gunicornContainers = async () =>
    (await docker("ps", "-a", "--filter", `label=com.docker.compose.project=${ex.name}`, "--filter", "label=com.docker.compose.service=gunicorn", "--format", "{{.Names}}"))
      .split("\n").filter(Boolean);
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("serves the app through nginx", async () => {
    const page = await httpGet(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("<html");
    expect(page.headers.server).toBe("nginx");
    expect(result.url).toBe(`http://localhost:${result.port}/`);
  });

  it("serves static files from nginx: gunicorn never sees them", async () => {
    const css = await httpGet(`${base}/static/css/style.css`);
    expect(css.status).toBe(200);
    expect(css.body).toContain("/* flask-blog stylesheet */");
    expect(css.headers["cache-control"]).toContain("max-age=604800");
    await httpGet(`${base}/api/whoami?marker=seen-by-gunicorn`);
    const logs = await existingCompose(ex.dir).logs(["gunicorn"]);
    expect(logs).toContain("marker=seen-by-gunicorn");
    expect(logs).not.toContain("style.css");
  });

  it("`fdock logs -f` prints lines as they are logged and follows until Ctrl-C", async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches fdock and compose alike.
    const child = spawn(process.execPath, [BIN, "-C", ex.dir, "logs", "-f", "gunicorn"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<unknown>((r) => child.on("exit", (code, signal) => r(code ?? signal)));
    try {
      await eventually(async () => out.length > 0, 30_000, "logs -f prints the lines logged so far");
      await httpGet(`${base}/api/whoami?marker=followed-live`);
      await eventually(async () => out.includes("marker=followed-live"), 15_000, "logs -f prints a line logged after it started");
      expect(child.exitCode).toBeNull();
    } finally {
      process.kill(-child.pid!, "SIGINT");
    }
    expect(await exited).toSatisfy((how) => how === "SIGINT" || how === 130);
  });

  it("lets the app call out through its egress network, while gunicorn believes forwarded headers from the internal network only", async () => {
    const gunicorn = (await gunicornContainers())[0]!;
    // An HTTP server outside the app's networks (the rig's package index on the host's bridge; 404 for any other address).
    const outside = process.env.FDOCK_PIP_INDEX_URL ?? "http://172.17.0.1:13141/simple";
    const call = await docker("exec", gunicorn, "python", "-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).status)", `${outside}/`);
    expect(call.trim()).toBe("200");
    const trusted = await docker("exec", gunicorn, "python", "-c", "exec(open('/etc/fdock/gunicorn.conf.py').read()); print(PROXY_NETWORK)");
    const internal = await docker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", `${ex.name}_internal`);
    expect(trusted.trim()).toBe(internal.trim());
  });

  it("shows the app the real client address, scheme and host; a forged X-Forwarded-For is not believed", async () => {
    const honest = JSON.parse((await httpGet(`${base}/api/whoami`)).body);
    const forged = JSON.parse((await httpGet(`${base}/api/whoami`, { "X-Forwarded-For": "6.6.6.6" })).body);
    expect(honest.scheme).toBe("http");
    expect(honest.host).toBe(`127.0.0.1:${result.port}`);
    expect(honest.remote_addr).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(forged.remote_addr).toBe(honest.remote_addr);
    expect(forged.remote_addr).not.toBe("6.6.6.6");
    // Nor a forged scheme: the front publishes plain HTTP, and says so whatever the client claims.
    const forgedProto = JSON.parse((await httpGet(`${base}/api/whoami`, { "X-Forwarded-Proto": "https" })).body);
    expect([forgedProto.scheme, forgedProto.url]).toEqual(["http", `http://127.0.0.1:${result.port}/api/whoami`]);
    // Without ProxyFix (and nginx believing the front's X-Real-IP) the app would see a proxy's
    // own address instead of the client's.
    const ipsOf = (name: string) => docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name);
    const proxyIps = `${await ipsOf(`${ex.name}-nginx-1`)} ${await ipsOf(`${ex.name}-front-1`)}`;
    expect(proxyIps.split(" ")).not.toContain(honest.remote_addr);
  });

  it("never publishes gunicorn's port: not on the host's ports, not from another network", async () => {
    expect(await docker("port", `${ex.name}-gunicorn-1`)).toBe("");
    expect(await canConnect("127.0.0.1", 8000)).toBe(false);
    const ip = await docker("inspect", "-f", `{{(index .NetworkSettings.Networks "${ex.name}_internal").IPAddress}}`, `${ex.name}-gunicorn-1`);
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // Nor from outside through its egress network (its way out, nothing else there).
    const egress = await docker("inspect", "-f", `{{(index .NetworkSettings.Networks "${ex.name}_egress").IPAddress}}`, `${ex.name}-gunicorn-1`);
    // A container on Docker's default network stands for anything outside the app's internal one.
    const probe = `import socket\ns = socket.socket(); s.settimeout(3)\ntry:\n    s.connect(("${ip}", 8000)); print("open")\nexcept OSError:\n    print("closed")`;
    const image = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
    expect(await docker("run", "--rm", "--network", "bridge", image, "python", "-c", probe)).toBe("closed");
    expect(await docker("run", "--rm", "--network", "bridge", image, "python", "-c", probe.replace(ip, egress))).toBe("closed");
    // nginx, on the internal network, does reach it.
    expect(await docker("exec", `${ex.name}-nginx-1`, "bash", "-c", "exec 3<>/dev/tcp/gunicorn/8000 && echo open")).toBe("open");
  });

  it("runs gunicorn as a non-root user", async () => {
    expect(await docker("exec", `${ex.name}-gunicorn-1`, "id", "-un")).toBe("app");
  });

  it("passes nginx -t in the built image, and docker compose config accepts the file", async () => {
    const t = await docker("exec", `${ex.name}-nginx-1`, "sh", "-c", "nginx -t 2>&1");
    expect(t).toContain("test is successful");
    await expect(existingCompose(ex.dir).config()).resolves.toMatchObject({ exitCode: 0 });
  });

  it("keeps data in a persistent path across a redeploy after a code change, and serves every request during it", async () => {
    const created = await fetch(`${base}/api/posts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "kept across deploys", body: "sqlite on a named volume" }),
    });
    expect(created.status).toBe(201);
    const versionFile = join(ex.dir, "flask_blog/version.py");
    writeFileSync(versionFile, readFileSync(versionFile, "utf8").replace('VERSION = "1"', 'VERSION = "2"'));

    let buildOutput = "";
    const before = await gunicornContainers();
    const asking = keepAsking(`${base}/api/version`);
    const again = await up(
      { dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1", onOutput: (t) => (buildOutput += t) },
      silentReporter,
    );
    // The old gunicorn served until the new one took over: no request failed, none got a 502.
    const statuses = await asking.stop();
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const after = await gunicornContainers();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    // Only the code layer was rebuilt: the dependency layer came from the cache.
    expect(buildOutput).toMatch(/RUN pip install -r \/tmp\/fdock\/requirements\.txt\n#\d+ CACHED/);
    expect(buildOutput).toMatch(/COPY \. \.\n#\d+ DONE/);
    const next = `http://127.0.0.1:${again.port}`;
    expect(JSON.parse((await httpGet(`${next}/api/version`)).body).version).toBe("2");
    const posts = JSON.parse((await httpGet(`${next}/api/posts`)).body) as Array<{ title: string }>;
    expect(posts.map((p) => p.title)).toContain("kept across deploys");
    base = next;
  });

  it("a redeploy reloads the running nginx instead of restarting it, and nginx follows gunicorn to a new address", async () => {
    const nginx = `${ex.name}-nginx-1`;
    const [gunicorn] = await gunicornContainers();
    const started = await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", nginx);
    // The address on the internal network, where nginx reaches gunicorn.
    const ipOf = (name: string) => docker("inspect", "-f", `{{(index .NetworkSettings.Networks "${ex.name}_internal").IPAddress}}`, name);
    const oldIp = await ipOf(gunicorn!);
    // gunicorn goes away and something else takes its address, as can happen between two deploys.
    await docker("rm", "-f", gunicorn!);
    // Containers join the network until one holds gunicorn's old address (the engine hands out
    // the lowest free one, and an earlier redeploy may have freed a lower one).
    const image = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
    const squatters: string[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const name = `${ex.name}-squatter-${i}`;
        squatters.push(name);
        await docker("run", "-d", "--name", name, "--network", `${ex.name}_internal`, image, "sleep", "300");
        if ((await ipOf(name)) === oldIp) break;
      }
      expect(await ipOf(squatters.at(-1)!)).toBe(oldIp);
      const again = await up({ dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1" }, silentReporter);
      const [replaced] = await gunicornContainers();
      expect(await ipOf(replaced!)).not.toBe(oldIp);
      expect(await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", nginx)).toBe(started);
      // The same front container, so the same published port.
      expect(again.port).toBe(Number(new URL(base).port));
      const version = await httpGet(`http://127.0.0.1:${again.port}/api/version`);
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body).version).toBe("2");
    } finally {
      if (squatters.length) await docker("rm", "-f", ...squatters);
    }
  });

  it("a new version that never becomes healthy is removed, and the running version keeps serving", async () => {
    const running = await gunicornContainers();
    // The release command still passes; gunicorn cannot load the app it is now told to serve.
    const config = join(ex.dir, "fdock.yaml");
    const good = readFileSync(config, "utf8");
    writeFileSync(config, good.replace(/^app: .*$/m, "app: flask_blog.db:get_db()"));
    try {
      const e = await failure(up({ dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1" }, silentReporter));
      expect(e.message).toBe("The new version did not become healthy, so fdock removed it: the running version still serves.");
      expect(e.detail).toContain("Working outside of application context");
    } finally {
      writeFileSync(config, good);
    }
    expect(await gunicornContainers()).toEqual(running);
    expect(await docker("ps", "-a", "-q", "--filter", `label=com.docker.compose.project=${ex.name}`, "--filter", "label=com.docker.compose.service=gunicorn")).not.toContain("\n");
    const version = await httpGet(`${base}/api/version`);
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body).version).toBe("2");
  });

  it("an up with nothing changed leaves the running containers alone", async () => {
    const ids = () => docker("ps", "-q", "--no-trunc", "--filter", `label=com.docker.compose.project=${ex.name}`);
    const before = await ids();
    await up({ dir: ex.dir, mode: "production", port: 0, publishHost: "127.0.0.1" }, silentReporter);
    expect(await ids()).toBe(before);
  });

  it("fdock down leaves no container or network", async () => {
    await existingCompose(ex.dir).down(true);
    expect(await projectContainers(ex.name)).toEqual([]);
    expect(await projectNetworks(ex.name)).toEqual([]);
  });
});
