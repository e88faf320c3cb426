import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appsJson, appsText, certsJson, certsText, issuerName, NO_EDGE, renewJson, renewText, when } from "../../src/cli/edge-tables.js";
import { edgeCertificatesOf } from "../../src/core/edge/edge-certificates.js";
import { parseOwnCertificate } from "../../src/core/edge/own-certificates.js";
import { appState, type AppInfo } from "../../src/core/stack/apps.js";
import { edgeCertificatePaths } from "../../src/core/render/edge-layout.js";
import type { CertificateInfo } from "../../src/core/edge/certs-output.js";

const now = new Date("2026-01-01T12:00:00Z");
const acme: CertificateInfo = {
  name: "blog.example.com",
  domains: ["blog.example.com", "www.blog.example.com"],
  issuer: "CN=R11,O=Let's Encrypt,C=US",
  serial: "04A1",
  notAfter: new Date("2026-03-01T12:00:00Z"),
  nextRenewal: new Date("2026-01-30T12:00:00Z"),
  server: "https://acme-v02.api.letsencrypt.org/directory",
  ...edgeCertificatePaths(["blog.example.com"]),
};
const records = [
  { app: "blog", names: ["blog.example.com", "www.blog.example.com"], upstream: "fdock-app-blog:80", tls: "acme" as const },
  { app: "shop", names: ["shop.example.com"], upstream: "fdock-app-shop:80", tls: "own" as const },
];
const own = { app: "shop", domains: ["shop.example.com"], issuer: "CN=Example CA,O=Example", serial: "1F", notAfter: new Date("2025-12-29T12:00:00Z"), certificate: "/var/lib/fdock-edge/own/shop.crt" };

describe("fdock certs' output", () => {
  const result = { edge: true, certificates: edgeCertificatesOf([acme], [own], records) };

  it("shows each certificate's names, issuer, expiry and next renewal, and the apps served with it", () => {
    expect(certsText(result, now).split("\n")).toEqual([
      "NAMES                                    ISSUER                EXPIRES                   NEXT RENEWAL                      APPS",
      "blog.example.com, www.blog.example.com   R11 (Let's Encrypt)   2026-03-01 (in 59 days)   2026-01-30 (in 29 days)           blog",
      "shop.example.com                         Example CA            2025-12-29 (3 days ago)   - (your own: renew it yourself)   shop",
      "",
    ]);
  });

  it("says plainly when the engine has no edge, and when the edge has no certificate", () => {
    expect(certsText({ edge: false, certificates: [] }, now)).toBe("no edge on this engine: no app with server.names has been deployed here\n");
    expect(renewText({ edge: false, lines: [] }, now)).toBe(NO_EDGE);
    expect(certsText({ edge: true, certificates: [] }, now)).toMatch(/no certificate yet/);
  });

  it("gives JSON with ISO dates, null where fdock does not renew, [] without an edge", () => {
    const json = JSON.parse(certsJson(result)) as Array<Record<string, unknown>>;
    expect(json[0]).toEqual({
      name: "blog.example.com", domains: ["blog.example.com", "www.blog.example.com"], issuer: "CN=R11,O=Let's Encrypt,C=US", serial: "04A1",
      notAfter: "2026-03-01T12:00:00.000Z", nextRenewal: "2026-01-30T12:00:00.000Z", source: "acme", server: acme.server, apps: ["blog"],
    });
    expect(json[1]).toMatchObject({ name: "shop", source: "own", nextRenewal: null, server: "", apps: ["shop"] });
    expect(JSON.parse(certsJson({ edge: false, certificates: [] }))).toEqual([]);
  });

  it("says what renew did to each certificate", () => {
    const lines = [{ result: "renewed" as const, name: acme.name, info: acme }, { result: "kept" as const, name: "a.example.com", info: { ...acme, name: "a.example.com" } }, { result: "skipped" as const, name: "old" }];
    expect(renewText({ edge: true, lines }, now).split("\n")).toEqual([
      "NAME               RESULT                            EXPIRES",
      "blog.example.com   renewed                           2026-03-01 (in 59 days)",
      "a.example.com      kept (more than 30 days left)     2026-03-01 (in 59 days)",
      "old                skipped (not obtained by fdock)   -",
      "",
    ]);
    expect(JSON.parse(renewJson({ edge: true, lines }))[0]).toMatchObject({ result: "renewed", name: acme.name, info: { serial: "04A1" } });
  });

  it("words dates and issuers briefly", () => {
    expect(when(new Date("2026-01-02T12:00:00Z"), now)).toBe("2026-01-02 (in 1 day)");
    expect(when(new Date("2026-01-01T18:00:00Z"), now)).toBe("2026-01-01 (today)");
    expect(issuerName("CN=Pebble Intermediate CA 1d7e9b")).toBe("Pebble Intermediate CA 1d7e9b");
    expect(issuerName("O=Example,C=US")).toBe("Example");
  });
});

describe("fdock apps' output", () => {
  const apps: AppInfo[] = [
    { app: "blog", names: ["blog.example.com", "www.blog.example.com"], ports: [], https: "acme", release: "20260101-120000", containers: { running: 4, total: 4 }, state: "running" },
    { app: "dev-app", names: [], ports: [8000], https: "none", release: null, containers: { running: 1, total: 3 }, state: "partly running" },
    { app: "old", names: [], ports: [], https: "none", release: null, containers: { running: 0, total: 0 }, state: "down" },
  ];

  it("shows each app's host names (or its own port), HTTPS, release and state", () => {
    expect(appsText({ edge: "running", apps }).split("\n")).toEqual([
      "APP       HOST NAMES                               PORTS   HTTPS   RELEASE           STATE",
      "blog      blog.example.com, www.blog.example.com   -       acme    20260101-120000   running",
      "dev-app   -                                        8000    none    -                 1/3 running",
      "old       -                                        -       none    -                 down",
      "",
    ]);
    expect(JSON.parse(appsJson({ edge: "running", apps }))).toEqual(apps);
    expect(appsText({ edge: "none", apps: [] })).toMatch(/^No fdock app on this engine/);
    expect(appsText({ edge: "stopped", apps })).toMatch(/^The edge on this engine is stopped/);
  });

  it("names the state from the containers that run", () => {
    expect([appState(3, 3), appState(1, 3), appState(0, 3), appState(0, 0)]).toEqual(["running", "partly running", "stopped", "down"]);
  });
});

describe("a user's own certificate as the edge shows it", () => {
  it("reads its names, issuer, serial and expiry from the first certificate of the chain", () => {
    const dir = mkdtempSync(join(tmpdir(), "fdock-own-cert-"));
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"),
        "-days", "10", "-subj", "/O=Example/CN=Example Self", "-addext", "subjectAltName=DNS:Shop.example.com,DNS:a.example.com,IP:127.0.0.1", "-set_serial", "0x1F2E"], { stdio: "ignore" });
      const pem = readFileSync(join(dir, "c.pem"), "utf8");
      const cert = parseOwnCertificate("shop", "/x/shop.crt", pem + pem)!;
      expect(cert).toMatchObject({ app: "shop", domains: ["a.example.com", "shop.example.com"], issuer: "CN=Example Self,O=Example", serial: "1F2E", certificate: "/x/shop.crt" });
      expect(Math.round((cert.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(10);
      expect(parseOwnCertificate("shop", "/x/shop.crt", "not a certificate")).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
