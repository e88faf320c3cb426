import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureEdgeImage, edgeImageTag } from "../../src/core/edge/edge-image.js";
import { keepAsking } from "../helpers/keep-asking.js";
import { startPebble, type Pebble } from "../helpers/pebble.js";
import { copyExample } from "../helpers/project.js";
import { httpAt, httpsAt } from "../helpers/tls-client.js";
import { buildFdock, hostExec, makeWorkstation, sh, startSshHost, type SshHost, type Workstation } from "./ssh-host.js";

/**
 * Two apps on one server, each with its own names, behind the engine's edge: HTTPS with
 * certificates from a real ACME server (Pebble, whose DNS answers every name with the server's
 * address, so its HTTP-01 checks reach the edge's port 80 there), all on Docker's default bridge.
 * The edge image is built here and loaded onto the server like the base images (its build
 * installs Debian's lego, and the test server's engine has no DNS); a real server builds it itself.
 */
const NGINX = process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable";
const A = "a.example.test";
const B = "b.example.test";

describe("two apps behind the edge on one SSH host, HTTPS from a real ACME server", () => {
  let ws: Workstation;
  let host: SshHost;
  let pebble: Pebble;
  let gateway: string;
  let builtEdgeImage = false;
  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const local = new Docker({ socketPath: "/var/run/docker.sock" });
  const apps: Array<ReturnType<typeof copyExample>> = [];

  /** An app with its names and tls from Pebble (its listener's certificate as tls.acme_ca). */
  function app(names: string[], extra: Record<string, unknown> = {}): ReturnType<typeof copyExample> {
    const ex = copyExample({
      server: { names, redirect_www: false, client_max_body_size: "1m" },
      tls: { email: "ops@example.test", acme_directory: pebble.directory, acme_ca: "pebble-ca.pem" },
      ...extra,
    });
    writeFileSync(join(ex.dir, "pebble-ca.pem"), pebble.listenerCert);
    apps.push(ex);
    return ex;
  }
  const https = (name: string, path = "/healthz", headers: Record<string, string> = {}) => httpsAt(host.ip, 443, name, path, pebble.root, headers);

  let appA: ReturnType<typeof copyExample>;
  let appB: ReturnType<typeof copyExample>;

  beforeAll(async () => {
    await buildFdock();
    ws = await makeWorkstation();
    // Docker's default bridge, as the other SSH-host tests: the rig's package index answers there.
    host = await startSshHost(readFileSync(`${ws.key}.pub`, "utf8").trim(), "trixie", { suffix: "edge" });
    gateway = (await local.getNetwork("bridge").inspect()).IPAM.Config[0].Gateway;
    pebble = await startPebble(undefined, host.ip);
    const create = await ws.fdock(["machine", "create", "--driver", "generic", "--generic-ip-address", host.ip, "--generic-ssh-key", ws.key, "web"]);
    expect(create.exitCode, out(create)).toBe(0);
    builtEdgeImage = !(await local.getImage(edgeImageTag(NGINX)).inspect().then(() => true, () => false));
    const edgeImage = await ensureEdgeImage(local, NGINX);
    const images = [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", NGINX, edgeImage];
    const load = await sh("sh", ["-c", `docker save "$@" | docker --context fdock-web load`, "sh", ...images], { env: ws.env });
    expect(load.exitCode, load.stderr).toBe(0);
    appA = app([A]);
    appB = app([B], { server: { names: [B], redirect_www: true, client_max_body_size: "1m" } });
  });

  afterAll(async () => {
    await ws?.fdock(["machine", "rm", "-y", "-f", "web"]).catch(() => undefined);
    await host?.stop();
    await pebble?.container.stop().catch(() => undefined);
    if (builtEdgeImage) await local.getImage(edgeImageTag(NGINX)).remove({ force: true }).catch(() => undefined);
    ws?.cleanup();
    for (const a of apps) a.cleanup();
  });

  it("deploys two apps, each over HTTPS with a certificate Pebble issued for its names; HTTP redirects; unknown names get nothing", async () => {
    for (const ex of [appA, appB]) {
      const r = await ws.fdock(["-C", ex.dir, "up", "--remote", "web"]);
      expect(r.exitCode, out(r)).toBe(0);
      expect(out(r)).toContain("certificate obtained");
    }
    for (const [name, alt] of [[A, `DNS:${A}`], [B, `DNS:${B}, DNS:www.${B}`]] as const) {
      const answer = await https(name);
      expect([answer.status, answer.body]).toEqual([200, "ok"]);
      expect(answer.issuer).toMatch(/Pebble/);
      expect(answer.altNames).toBe(alt);
      expect(answer.headers["strict-transport-security"]).toBe("max-age=31536000");
      const redirect = await httpAt(host.ip, 80, name, "/page?x=1");
      expect([redirect.status, redirect.headers.location]).toEqual([301, `https://${name}/page?x=1`]);
    }
    // The app's nginx redirects www to the apex, over HTTPS (the edge holds www's certificate too).
    const www = await https(`www.${B}`, "/posts?p=2");
    expect([www.status, www.headers.location]).toEqual([301, `https://${B}/posts?p=2`]);
    // client_max_body_size is still the app's (1m): 413 from its nginx through both proxies.
    const big = await httpsAt(host.ip, 443, B, "/", pebble.root, { "Content-Length": String(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    await expect(https("unknown.example.test")).rejects.toThrow(/alert|handshake|unrecognized name|socket disconnected/i);
    await expect(httpAt(host.ip, 80, "unknown.example.test", "/")).rejects.toThrow(/socket hang up|ECONNRESET/);
    // Only the edge publishes: the apps' fronts have no port of their own.
    const ps = await sh("docker", ["--context", "fdock-web", "ps", "--format", "{{.Names}} {{.Ports}}"], { env: ws.env });
    const published = ps.stdout.split("\n").filter((l) => /->/.test(l)).map((l) => l.split(" ")[0]);
    expect(published).toEqual(["fdock-edge"]);
  });

  it("shows the app the client's address and https, and builds https:// links; forged X-Forwarded-Proto/For change nothing", async () => {
    const honest = JSON.parse((await https(A, "/api/whoami")).body);
    expect(honest).toEqual({ remote_addr: gateway, scheme: "https", host: A, url: `https://${A}/api/whoami` });
    const forged = JSON.parse((await https(A, "/api/whoami", { "X-Forwarded-Proto": "http", "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6" })).body);
    expect(forged).toEqual(honest);
  });

  it("a second deploy reuses the certificate; app B answers 200 throughout app A's redeploy, rollback and down", async () => {
    const before = await https(A);
    const asking = keepAsking(`https://${host.ip}/healthz`, { Host: B });
    try {
      writeFileSync(join(appA.dir, "flask_blog", "version.py"), 'VERSION = "2"\n');
      const redeploy = await ws.fdock(["-C", appA.dir, "up", "--remote", "web"]);
      expect(redeploy.exitCode, out(redeploy)).toBe(0);
      expect(out(redeploy)).toContain("certificate reused");
      expect((await https(A)).serial).toBe(before.serial);
      expect(JSON.parse((await https(A, "/api/version")).body)).toMatchObject({ version: "2" });
      const rollback = await ws.fdock(["-C", appA.dir, "rollback", "--remote", "web"]);
      expect(rollback.exitCode, out(rollback)).toBe(0);
      expect(JSON.parse((await https(A, "/api/version")).body)).toMatchObject({ version: "1" });
      const down = await ws.fdock(["-C", appA.dir, "down", "--remote", "web"]);
      expect(down.exitCode, out(down)).toBe(0);
      await expect(https(A)).rejects.toThrow(/alert|handshake|unrecognized name|socket disconnected/i);
    } finally {
      const statuses = await asking.stop();
      expect(statuses.length).toBeGreaterThan(20);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    }
  });

  it("renews on the server by itself (the edge's own fdock-certs, no laptop): a forced renewal swaps the certificate without a failed request", async () => {
    const before = await https(B);
    const asking = keepAsking(`https://${host.ip}/healthz`, { Host: B });
    try {
      const renew = await hostExec(host, "docker exec fdock-edge fdock-certs renew --force");
      expect(renew.exitCode, renew.stderr).toBe(0);
      expect(renew.stdout).toMatch(new RegExp(`result=renewed\\tname=${B.replace(/\./g, "\\.")}`));
    } finally {
      const statuses = await asking.stop();
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    }
    expect((await https(B)).serial).not.toBe(before.serial);
  });

  it("refuses a name another app serves, before anything changes", async () => {
    const thief = app([B]);
    const r = await ws.fdock(["-C", thief.dir, "up", "--remote", "web"]);
    expect(r.exitCode, out(r)).toBe(3);
    expect(r.stderr).toContain(`The host name ${B} is already served by the app ${appB.name} on this engine.`);
    const ps = await sh("docker", ["--context", "fdock-web", "ps", "-a", "-q", "--filter", `label=com.docker.compose.project=${thief.name}`], { env: ws.env });
    expect(ps.stdout.trim()).toBe("");
    expect((await https(B)).status).toBe(200);
  });

  it("says plainly why a certificate could not be had when the name does not lead to the machine; the app still serves over HTTP", async () => {
    const lost = "lost.example.test";
    await pebble.pointName(lost, "192.0.2.1");
    const ex = app([lost]);
    const r = await ws.fdock(["-C", ex.dir, "up", "--remote", "web"]);
    expect(r.exitCode, out(r)).toBe(1);
    expect(r.stderr).toContain(`Could not get a certificate for ${lost}`);
    expect(r.stderr).toMatch(/resolve to this machine/);
    expect(r.stderr).toMatch(/port 80/);
    expect((await httpAt(host.ip, 80, lost, "/healthz")).status).toBe(200);
    expect((await https(B)).status).toBe(200);
    const down = await ws.fdock(["-C", ex.dir, "down", "--remote", "web"]);
    expect(down.exitCode, out(down)).toBe(0);
  });

  it("names what holds port 443 when the edge cannot have it", async () => {
    await hostExec(host, `docker rm -f fdock-edge && docker run -d --name squatter -p 443:80 ${NGINX}`);
    try {
      const r = await ws.fdock(["-C", appB.dir, "up", "--remote", "web"]);
      expect(r.exitCode, out(r)).toBe(3);
      expect(r.stderr).toContain(`Port 443 on ${host.ip} is taken by the container squatter`);
    } finally {
      await hostExec(host, "docker rm -f squatter");
    }
  });
});
