import { execFileSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { main } from "../../src/cli/main.js";
import { certsText } from "../../src/cli/edge-tables.js";
import { putOwnCertificate, type EdgeAppRecord } from "../../src/core/edge/app-records.js";
import { obtainCertificate } from "../../src/core/edge/certificates.js";
import { certificatesOn, renewOn } from "../../src/core/edge/certs-on.js";
import type { EdgeOptions } from "../../src/core/edge/ensure-edge.js";
import { syncEdge } from "../../src/core/edge/sync-edge.js";
import { UserError } from "../../src/core/errors.js";
import { COMPOSE_LABELS } from "../../src/core/render/layout.js";
import { appsOn } from "../../src/core/stack/apps.js";
import type { UpResult } from "../../src/core/stack/up.js";
import { docker as dockerCli, downLocal, removeProjectImages, upLocal } from "../helpers/engine.js";
import { failure } from "../helpers/failure.js";
import { pebbleImage } from "../helpers/pebble.js";
import { copyExample } from "../helpers/project.js";

/**
 * `fdock certs`, `fdock certs renew` and `fdock apps` against a real edge of the test's own
 * (container, volume, network, random loopback ports), with a certificate from a real ACME server
 * (Pebble, whose DNS answers every name with the edge's address), a user's own certificate, and a
 * real production deploy of the example app beside it.
 */
const NGINX = process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable";
const EMAIL = "ops@example.test";
const engine = new Docker({ socketPath: "/var/run/docker.sock" });
const id = `${process.pid}-${randomBytes(3).toString("hex")}`;
const edgeNames = { container: `fdock-test-edge-${id}`, imageRepo: `fdock-test-edge-${id}`, volume: `fdock-test-edge-certs-${id}` };
const env = process.env;
const on = { remote: undefined, env, edgeContainer: edgeNames.container };

// Two apps recorded on the edge, both answered by one stand-in front: one with an ACME certificate, one with its own.
const acmeApp: EdgeAppRecord = { app: `fdock-test-acme-${id}`, names: ["shop.example.test", "www.shop.example.test"], upstream: "backend:80", tls: "acme" };
const ownApp: EdgeAppRecord = { app: `fdock-test-own-${id}`, names: ["own.example.test"], upstream: "backend:80", tls: "own" };

let net: StartedNetwork;
let backend: StartedTestContainer;
let pebble: StartedTestContainer;
let pebbleCert: string;
let root: string;
let httpsPort: number;
let ownSerial: string;
let ownPem: string;
const blog = copyExample();
let deployed: UpResult;

const base = (): Omit<EdgeOptions, "sites"> => ({ nginxImage: NGINX, ...edgeNames, network: net.getName(), publish: { http: 0, https: 0, host: "127.0.0.1" } });

/** The serial of the certificate the edge serves for a name (curl --resolve NAME:443:127.0.0.1 style). */
function servedSerial(servername: string, ca: string): Promise<{ status: number; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port: httpsPort, path: "/", servername, ca, headers: { Host: servername, Connection: "close" }, agent: false, timeout: 5000 }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber.toUpperCase();
      res.resume().on("end", () => resolve({ status: res.statusCode ?? 0, serial }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** fdock's command line in this process, its stdout captured. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  const code = await main(argv).finally(() => spy.mockRestore());
  process.exitCode = undefined;
  return { code, stdout: chunks.join("") };
}

/** A self-signed certificate and key for a name, made by openssl. */
function ownCertificate(name: string): { certificate: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "fdock-own-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
      "-days", "90", "-subj", `/O=Own Test/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`], { stdio: "ignore" });
    return { certificate: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  net = await new Network().start();
  // The ACME app's front, as compose would label it.
  backend = await new GenericContainer(NGINX)
    .withNetwork(net)
    .withNetworkAliases("backend")
    .withLabels({ [COMPOSE_LABELS.project]: acmeApp.app, [COMPOSE_LABELS.service]: "front" })
    .withCopyContentToContainer([{ content: 'server { listen 80 default_server; location / { return 200 "app\\n"; } }\n', target: "/etc/nginx/conf.d/default.conf" }])
    .start();
  const made = await syncEdge(engine, base(), { put: acmeApp });
  httpsPort = made.state.ports.https;
  const edgeAddress = (await engine.getContainer(edgeNames.container).inspect()).NetworkSettings.Networks[net.getName()]!.IPAddress;
  pebble = await new GenericContainer(await pebbleImage())
    .withNetwork(net)
    .withNetworkAliases("pebble")
    .withEnvironment({ PEBBLE_DNS_ADDRESS: edgeAddress })
    .withExposedPorts(14000, 15000)
    .withWaitStrategy(Wait.forLogMessage(/ACME directory available/))
    .start();
  pebbleCert = (await pebble.exec(["cat", "/etc/pebble/cert.pem"])).stdout;
  root = await new Promise<string>((resolve, reject) => {
    httpsRequest({ host: "127.0.0.1", port: pebble.getMappedPort(15000), path: "/roots/0", ca: pebbleCert, servername: "localhost", agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject).end();
  });
  // As a deploy does it: the record, the certificate, then the sites again with HTTPS.
  await obtainCertificate(engine, acmeApp.names, { email: EMAIL, directory: "https://pebble:14000/dir", caBundle: pebbleCert }, edgeNames.container);
  const own = ownCertificate(ownApp.names[0]!);
  ownPem = own.certificate;
  ownSerial = new X509Certificate(own.certificate).serialNumber.toUpperCase();
  await putOwnCertificate(engine, ownApp.app, own.certificate, own.key, edgeNames.container);
  await syncEdge(engine, base(), { put: ownApp });
  // An app without server.names, served on its own port: a real production deploy, with a release.
  deployed = await upLocal(blog.dir);
}, 900_000);

afterAll(async () => {
  await engine.getContainer(edgeNames.container).remove({ force: true }).catch(() => undefined);
  await pebble?.stop().catch(() => undefined);
  await backend?.stop().catch(() => undefined);
  await net?.stop().catch(() => undefined);
  await dockerCli("volume", "rm", "-f", edgeNames.volume).catch(() => undefined);
  // By tag, not ID: the same edge image may also be the engine's own edge's (same build), which must stay.
  const images = (await dockerCli("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${edgeNames.imageRepo}`).catch(() => "")).split("\n").filter(Boolean);
  if (images.length) await dockerCli("image", "rm", ...images).catch(() => undefined);
  await downLocal(blog.dir);
  await removeProjectImages(blog.name).catch(() => undefined);
  blog.cleanup();
}, 300_000);

describe("fdock certs and fdock apps (real edge, Pebble, a real deploy)", () => {
  it("certs lists the ACME certificate and the user's own: names, issuer, expiry, next renewal, the app each serves", async () => {
    const { edge, certificates } = await certificatesOn(on);
    expect(edge).toBe(true);
    expect(certificates.map((c) => [c.domains[0], c.source])).toEqual([["own.example.test", "own"], ["shop.example.test", "acme"]]);
    const [own, acme] = certificates;
    expect(acme).toMatchObject({ name: "shop.example.test", domains: ["shop.example.test", "www.shop.example.test"], source: "acme", server: "https://pebble:14000/dir", apps: [acmeApp.app] });
    expect(acme!.issuer).toMatch(/Pebble/);
    expect(acme!.notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(acme!.notAfter.getTime() - acme!.nextRenewal!.getTime()).toBe(30 * 86_400_000);
    expect((await servedSerial("shop.example.test", root)).serial).toBe(acme!.serial.toUpperCase());
    expect(own).toMatchObject({ name: ownApp.app, domains: ["own.example.test"], issuer: "CN=own.example.test,O=Own Test", serial: ownSerial, nextRenewal: null, source: "own", apps: [ownApp.app] });
    expect(Math.round((own!.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(90);
    expect((await servedSerial("own.example.test", ownPem)).serial).toBe(own!.serial);
    expect(certsText({ edge, certificates }, new Date())).toMatch(/^shop\.example\.test, www\.shop\.example\.test\s+Pebble Intermediate CA \S+\s+\d{4}-\d\d-\d\d \(in \d+ days\)/m);
  });

  it("certs renew keeps a certificate with time left; --force replaces it (a new serial, served at once)", async () => {
    const before = (await certificatesOn(on)).certificates.find((c) => c.source === "acme")!;
    expect((await renewOn({ ...on, force: false })).lines.map((l) => [l.result, l.name])).toEqual([["kept", "shop.example.test"]]);
    const renewed = await renewOn({ ...on, force: true });
    expect(renewed.lines.map((l) => [l.result, l.name])).toEqual([["renewed", "shop.example.test"]]);
    const after = renewed.lines[0]!.info!;
    expect(after.serial).not.toBe(before.serial);
    expect((await servedSerial("shop.example.test", root)).serial).toBe(after.serial.toUpperCase());
    expect((await certificatesOn(on)).certificates.find((c) => c.source === "acme")!.serial).toBe(after.serial);
  });

  it("apps lists the apps on the engine: host names from the edge, or the app's own port; HTTPS; the serving release; state", async () => {
    const { edge, apps } = await appsOn(on);
    expect(edge).toBe("running");
    const find = (app: string) => apps.find((a) => a.app === app);
    expect(find(blog.name)).toEqual({ app: blog.name, names: [], ports: [deployed.port], https: "none", release: deployed.release, containers: expect.objectContaining({ running: expect.any(Number) }), state: "running" });
    expect(find(blog.name)!.containers.running).toBeGreaterThanOrEqual(3); // gunicorn, nginx, front
    expect(find(acmeApp.app)).toEqual({ app: acmeApp.app, names: acmeApp.names, ports: [], https: "acme", release: null, containers: { running: 1, total: 1 }, state: "running" });
    expect(find(ownApp.app)).toMatchObject({ names: ownApp.names, https: "own", release: null, state: "down" });
    expect(apps.map((a) => a.app)).toEqual([...apps.map((a) => a.app)].sort());
  });

  it("the command line lists the deployed app (fdock apps --json, and its alias ls)", async () => {
    const json = await cli("--json", "apps");
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Array<{ app: string; release: string | null; ports: number[] }>).find((a) => a.app === blog.name)).toMatchObject({ release: deployed.release, ports: [deployed.port] });
    const table = await cli("ls");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${blog.name}\\s+-\\s+${deployed.port}\\s+none\\s+${deployed.release}\\s+running$`, "m"));
  });

  it("an engine without that edge: certs and renew say there is none, apps still lists the apps", async () => {
    const none = { ...on, edgeContainer: `${edgeNames.container}-absent` };
    expect(await certificatesOn(none)).toEqual({ edge: false, certificates: [] });
    expect(await renewOn({ ...none, force: true })).toEqual({ edge: false, lines: [] });
    const { edge, apps } = await appsOn(none);
    expect(edge).toBe("none");
    expect(apps.find((a) => a.app === blog.name)?.release).toBe(deployed.release);
  });

  it("a stopped edge: certs says so and how to start it", async () => {
    await engine.getContainer(edgeNames.container).stop({ t: 5 });
    const e = await failure(certificatesOn(on));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/is stopped/);
    expect((e as UserError).hint).toContain(`docker start ${edgeNames.container}`);
    expect((await appsOn(on)).edge).toBe("stopped");
  });
});
