import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect as http2Connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { AcmeError } from "../../src/core/edge/acme-failure.js";
import { listCertificates, obtainCertificate, renewCertificates } from "../../src/core/edge/certificates.js";
import { execOutput } from "../../src/core/edge/exec-output.js";
import { ensureEdge, type EdgeOptions } from "../../src/core/edge/ensure-edge.js";
import { UserError } from "../../src/core/errors.js";
import { EDGE_WEBROOT, edgeCertificatePaths } from "../../src/core/render/edge-layout.js";
import type { EdgeSite } from "../../src/core/render/edge-sites.js";
import { docker as dockerCli } from "../helpers/engine.js";
import { startPebble, type Pebble } from "../helpers/pebble.js";

/**
 * The edge and its certificates against a real ACME server: Pebble (scripts/standins/pebble, built
 * from Debian's pebble package), whose DNS answers every name with the edge's address on a test
 * network, so its HTTP-01 checks reach the edge's port 80 there. The edge publishes random
 * loopback ports; clients connect to them with the host name as SNI and Host (curl --resolve style).
 */
const NGINX = process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable";
const NAME = "app.example.test";
const EMAIL = "ops@example.test";

const engine = new Docker({ socketPath: "/var/run/docker.sock" });
const id = `${process.pid}-${randomBytes(3).toString("hex")}`;
const names = { container: `fdock-test-edge-${id}`, imageRepo: `fdock-test-edge-${id}`, volume: `fdock-test-edge-certs-${id}` };

let net: StartedNetwork;
let app: StartedTestContainer;
let pebble: StartedTestContainer;
let pointName: Pebble["pointName"];
let pebbleCert: string; // Pebble's own HTTPS listener
let root: string; // the root that signs Pebble's certificates
let ports: { http: number; https: number };
let directory: string;

const edge = (sites: EdgeSite[]): Promise<Awaited<ReturnType<typeof ensureEdge>>> =>
  ensureEdge(engine, { nginxImage: NGINX, sites, ...names, network: net.getName(), publish: { http: 0, https: 0, host: "127.0.0.1" } } satisfies EdgeOptions);
const plainSite: EdgeSite = { names: [NAME], upstream: "backend:80" };
const httpsSite: EdgeSite = { ...plainSite, certificate: edgeCertificatePaths([NAME]) };

interface Answer { status: number; body: string; headers: Record<string, string | string[] | undefined>; serial?: string }

/** GET over HTTPS to the edge's loopback port, as `curl --resolve NAME:443:127.0.0.1 https://NAME/`. */
function httpsGet(servername: string, path = "/", ca = root): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port: ports.https, path, servername, ca, headers: { Host: servername, Connection: "close" }, agent: false, timeout: 5000 },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers, serial }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function httpGet(host: string, path = "/"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: ports.http, path, headers: { Host: host, Connection: "close" }, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  net = await new Network().start();
  // The app's stand-in: an nginx that shows what the edge told it.
  app = await new GenericContainer(NGINX)
    .withNetwork(net)
    .withNetworkAliases("backend")
    .withCopyContentToContainer([{
      content: 'server { listen 80 default_server; location / { default_type text/plain; return 200 "app proto=$http_x_forwarded_proto for=$http_x_forwarded_for host=$http_host\\n"; } }\n',
      target: "/etc/nginx/conf.d/default.conf",
    }])
    .withExposedPorts(80)
    .start();
  const made = await edge([plainSite]);
  expect(made.action).toBe("created");
  ports = made.ports;
  const edgeAddress = (await engine.getContainer(names.container).inspect()).NetworkSettings.Networks[net.getName()]!.IPAddress;
  const started = await startPebble(net, edgeAddress);
  pebble = started.container;
  pointName = started.pointName;
  pebbleCert = started.listenerCert;
  root = started.root;
  directory = started.directory;
}, 600_000);

afterAll(async () => {
  await engine.getContainer(names.container).remove({ force: true }).catch(() => undefined);
  await pebble?.stop().catch(() => undefined);
  await app?.stop().catch(() => undefined);
  await net?.stop().catch(() => undefined);
  await dockerCli("volume", "rm", "-f", names.volume).catch(() => undefined);
  // By tag, not by ID: the engine's own edge (built from the same files) may share the ID.
  const images = (await dockerCli("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${names.imageRepo}`).catch(() => "")).split("\n").filter(Boolean);
  if (images.length) await dockerCli("image", "rm", ...images).catch(() => undefined);
});

describe("the edge with ACME certificates (Pebble)", () => {
  it("serves a site over HTTP before it has a certificate, and unknown names nothing but the challenge path", async () => {
    expect((await httpGet(NAME)).body).toMatch(/^app proto=http /);
    await expect(httpGet("unknown.example.test")).rejects.toThrow(/socket hang up|ECONNRESET/);
    await execOutput(engine, names.container, ["sh", "-c", `echo token-ok > ${EDGE_WEBROOT}/.well-known/acme-challenge/t1`]);
    const challenge = await httpGet("unknown.example.test", "/.well-known/acme-challenge/t1");
    expect([challenge.status, challenge.body]).toEqual([200, "token-ok\n"]);
  });

  it("names an untrusted ACME server plainly, with tls.acme_ca as the next step", async () => {
    const failure = await obtainCertificate(engine, [NAME], { email: EMAIL, directory }, names.container).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(AcmeError);
    expect((failure as AcmeError).message).toBe(`Could not get a certificate for ${NAME} from ${directory}.`);
    expect((failure as AcmeError).hint).toMatch(/tls\.acme_ca/);
    expect((failure as AcmeError).detail).toMatch(/x509|certificate/);
  });

  it("obtains a certificate through HTTP-01 and serves HTTPS with it; HTTP redirects except the challenge path; unknown names get no handshake", async () => {
    const got = await obtainCertificate(engine, [NAME], { email: EMAIL, directory, caBundle: pebbleCert }, names.container);
    expect(got.result).toBe("obtained");
    expect(got.info.domains).toEqual([NAME]);
    expect(got.info.issuer).toMatch(/Pebble/);
    expect(await edge([httpsSite])).toMatchObject({ action: "reloaded" });

    const answer = await httpsGet(NAME);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^app proto=https for=\d+\.\d+\.\d+\.\d+ host=app\.example\.test\n$/);
    expect(answer.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(answer.serial?.toUpperCase()).toBe(got.info.serial.toUpperCase());

    const redirect = await httpGet(NAME, "/page?x=1");
    expect([redirect.status, redirect.headers.location]).toEqual([301, `https://${NAME}/page?x=1`]);
    await execOutput(engine, names.container, ["sh", "-c", `echo token-2 > ${EDGE_WEBROOT}/.well-known/acme-challenge/t2`]);
    expect((await httpGet(NAME, "/.well-known/acme-challenge/t2")).body).toBe("token-2\n");

    await expect(httpsGet("unknown.example.test")).rejects.toThrow(/alert|handshake|unrecognized name|socket disconnected/i);
    await expect(httpGet("unknown.example.test")).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it("reuses the certificate on a second obtain for the same names (no new one requested)", async () => {
    const before = (await listCertificates(engine, names.container))[0]!;
    const again = await obtainCertificate(engine, [NAME], { email: EMAIL, directory, caBundle: pebbleCert }, names.container);
    expect(again.result).toBe("reused");
    expect(again.info.serial).toBe(before.serial);
    expect((await httpsGet(NAME)).serial?.toUpperCase()).toBe(before.serial.toUpperCase());
  });

  it("speaks HTTP/2 to clients that offer it, resumes TLS sessions across a reload, reuses ports towards apps, queues 4,096 connections", async () => {
    // HTTP/2, negotiated by ALPN, to the app.
    const h2 = http2Connect(`https://${NAME}`, { host: "127.0.0.1", port: ports.https, servername: NAME, ca: root });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = h2.request({ ":path": "/", ":authority": NAME });
        let text = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => (text += c));
        req.on("end", () => resolve(text));
        req.on("error", reject);
        req.end();
      });
      expect(h2.alpnProtocol).toBe("h2");
      expect(body).toMatch(/^app proto=https /);
    } finally {
      h2.close();
    }
    // A session from before a graceful reload (every deploy and renewal makes one) still resumes.
    const handshake = (session?: Buffer) => new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
      const socket = tlsConnect({ host: "127.0.0.1", port: ports.https, servername: NAME, ca: root, ...(session ? { session } : {}) });
      let got: Buffer | undefined;
      socket.on("session", (s: Buffer) => (got = s));
      socket.on("secureConnect", () => socket.write(`GET / HTTP/1.1\r\nHost: ${NAME}\r\nConnection: close\r\n\r\n`));
      socket.on("data", () => undefined);
      socket.on("end", () => resolve({ reused: socket.isSessionReused(), session: got }));
      socket.on("error", reject);
    });
    const first = await handshake();
    expect(first.session).toBeDefined();
    expect((await execOutput(engine, names.container, ["fdock-edge-reload"])).stdout).toContain("result=reloaded");
    expect((await handshake(first.session)).reused).toBe(true);
    // Connections to apps in TIME_WAIT are reused (one per proxied request otherwise exhausts the ports).
    expect((await execOutput(engine, names.container, ["cat", "/proc/sys/net/ipv4/tcp_tw_reuse"])).stdout.trim()).toBe("1");
    // And the kernel queues as many connections as nginx's listen backlog asks for.
    expect((await execOutput(engine, names.container, ["cat", "/proc/sys/net/core/somaxconn"])).stdout.trim()).toBe("4096");
  });

  it("lists the certificate: names, issuer, expiry, next renewal 30 days before it", async () => {
    const [cert, ...others] = await listCertificates(engine, names.container);
    expect(others).toEqual([]);
    expect(cert).toMatchObject({ name: NAME, domains: [NAME], server: directory, certificate: edgeCertificatePaths([NAME]).certificate });
    expect(cert!.issuer).toMatch(/Pebble/);
    expect(cert!.notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(cert!.notAfter.getTime() - cert!.nextRenewal.getTime()).toBe(30 * 86400 * 1000);
  });

  it("keeps a certificate with time left on a plain renew, replaces it on a forced one while a client keeps asking, without a failed request", async () => {
    const before = (await listCertificates(engine, names.container))[0]!;
    expect((await renewCertificates(engine, {}, names.container)).map((l) => [l.result, l.name])).toEqual([["kept", NAME]]);

    let asking = true;
    const statuses: number[] = [];
    const serials = new Set<string>();
    const client = (async () => {
      while (asking) {
        const a = await httpsGet(NAME).catch(() => undefined);
        statuses.push(a?.status ?? 0);
        if (a?.serial) serials.add(a.serial.toUpperCase());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const renewed = await renewCertificates(engine, { force: true }, names.container);
    // A few more requests after the reload, on the new certificate.
    const upTo = statuses.length + 5;
    while (statuses.length < upTo) await new Promise((r) => setTimeout(r, 20));
    asking = false;
    await client;

    expect(renewed.map((l) => [l.result, l.name])).toEqual([["renewed", NAME]]);
    const after = renewed[0]!.info!;
    expect(after.serial).not.toBe(before.serial);
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The client was served by both certificates: its requests spanned the switch.
    expect([...serials].sort()).toEqual([before.serial.toUpperCase(), after.serial.toUpperCase()].sort());
    expect((await httpsGet(NAME)).serial?.toUpperCase()).toBe(after.serial.toUpperCase());
  });

  it("says what to check when a name does not lead to this edge (the ACME server's error shown plainly)", async () => {
    // Resolves to Pebble's own container, where nothing listens on port 80.
    await pointName("elsewhere.example.test", "127.0.0.1");
    const failure = await obtainCertificate(engine, ["elsewhere.example.test"], { email: EMAIL, directory, caBundle: pebbleCert }, names.container).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(AcmeError);
    expect((failure as AcmeError).hint).toMatch(/port 80 on it is open to the internet/);
    expect((failure as AcmeError).detail).toMatch(/elsewhere\.example\.test/);
    expect((failure as AcmeError).detail).toMatch(/connection|refused/i);
    expect((await listCertificates(engine, names.container)).map((c) => c.name)).toEqual([NAME]);
  });

  it("says what holds a port the edge needs, and leaves nothing behind", async () => {
    const taken = pebble.getMappedPort(14000); // Docker publishes it on every address
    const other = `${names.container}-second`;
    const failure = await ensureEdge(engine, { nginxImage: NGINX, sites: [], ...names, container: other, network: net.getName(), publish: { http: taken, https: 0, host: "127.0.0.1" } }).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toContain(`Port ${taken} on the Docker host is taken by the container ${pebble.getName().replace(/^\//, "")}`);
    expect(await engine.getContainer(other).inspect().then(() => true, () => false)).toBe(false);
  });

  it("refuses a configuration nginx cannot load and keeps serving the previous one", async () => {
    const missing: EdgeSite = { names: ["other.example.test"], upstream: "backend:80", certificate: edgeCertificatePaths(["other.example.test"]) };
    const failure = await edge([httpsSite, missing]).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/refused its new configuration/);
    expect((failure as UserError).detail).toMatch(/other\.example\.test\.crt/);
    expect((await httpsGet(NAME)).status).toBe(200);
  });

  it("keeps its certificates when the edge container is replaced (the volume holds them)", async () => {
    const before = (await listCertificates(engine, names.container))[0]!;
    await engine.getContainer(names.container).remove({ force: true });
    const made = await edge([httpsSite]);
    expect(made.action).toBe("created");
    ports = made.ports;
    expect((await listCertificates(engine, names.container))[0]!.serial).toBe(before.serial);
    expect((await httpsGet(NAME)).serial?.toUpperCase()).toBe(before.serial.toUpperCase());
  });

  it("replaces its container when its image changes, certificates kept", async () => {
    const before = (await listCertificates(engine, names.container))[0]!;
    const { image } = await edge([httpsSite]);
    // The same image under a second repository: a new tag, as a new fdock version would make.
    const newRepo = `${names.imageRepo}-next`;
    await engine.getImage(image).tag({ repo: newRepo, tag: image.split(":")[1] });
    // Sites nginx refuses: the running edge is not replaced.
    const missing: EdgeSite = { names: ["other.example.test"], upstream: "backend:80", certificate: edgeCertificatePaths(["other.example.test"]) };
    const refused = await ensureEdge(engine, { nginxImage: NGINX, sites: [httpsSite, missing], ...names, imageRepo: newRepo, network: net.getName(), publish: { http: 0, https: 0, host: "127.0.0.1" } }).then(() => undefined, (e: unknown) => e);
    expect((refused as UserError).message).toMatch(/refused its new configuration/);
    expect((await engine.getContainer(names.container).inspect()).Config.Image).toBe(image);
    expect((await httpsGet(NAME)).status).toBe(200);

    const made = await ensureEdge(engine, { nginxImage: NGINX, sites: [httpsSite], ...names, imageRepo: newRepo, network: net.getName(), publish: { http: 0, https: 0, host: "127.0.0.1" } });
    expect(made.action).toBe("replaced");
    expect(made.image.startsWith(`${newRepo}:`)).toBe(true);
    ports = made.ports;
    expect((await httpsGet(NAME)).serial?.toUpperCase()).toBe(before.serial.toUpperCase());
    const left = await engine.listContainers({ all: true, filters: { name: [names.container] } });
    expect(left.map((c) => c.Names[0])).toEqual([`/${names.container}`]);
    await engine.getImage(`${newRepo}:${image.split(":")[1]}`).remove({ force: true }).catch(() => undefined);
  });
});
