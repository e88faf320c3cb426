import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { siteOf, type EdgeAppRecord } from "../../src/core/edge/app-records.js";
import type { CertificateInfo } from "../../src/core/edge/certs-output.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import type { Project } from "../../src/core/project/model.js";
import { edgeNames, tlsPlan } from "../../src/core/project/tls.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderBundle } from "../../src/core/render/bundle.js";
import { renderCompose } from "../../src/core/render/compose.js";
import { neverPatterns } from "../../src/core/render/dockerignore.js";
import { edgeCertificatePaths, LETS_ENCRYPT_DIRECTORY } from "../../src/core/render/edge-layout.js";
import type { Target } from "../../src/core/render/target.js";

const base = 'name: shop\napp: "shop:app"\n';
const config = (yaml: string) => parseConfigText(base + yaml);
const project = (yaml: string): Project => ({ dir: "/p", config: config(yaml), requirements: { kind: "requirements.txt", path: "requirements.txt", names: ["flask", "gunicorn"] } });
const edge: Target = { mode: "production", cpus: 2, publish: { host: null, port: 80 }, edge: { network: "fdock-edge", alias: "fdock-app-shop" } };
const published: Target = { mode: "production", cpus: 2, publish: { host: null, port: 80 } };
const bundle = (p: Project, t: Target) => renderBundle(p, planWorkers(p.config, p.requirements.names, t.cpus), t);
type Compose = { services: Record<string, Record<string, any>>; networks: Record<string, any> };
const named = 'server: {names: [shop.example.com]}\n';

describe("tls in fdock.yaml", () => {
  it("takes an ACME account (Let's Encrypt unless told) or the user's own certificate and key", () => {
    expect(tlsPlan(config(`${named}tls: {email: ops@example.com}\n`))).toEqual({ kind: "acme", email: "ops@example.com", directory: LETS_ENCRYPT_DIRECTORY, caFile: undefined, hsts: undefined });
    expect(tlsPlan(config(`${named}tls: {email: ops@example.com, acme_directory: "https://acme-staging-v02.api.letsencrypt.org/directory", acme_ca: ca.pem, hsts: 0}\n`))).toMatchObject({
      kind: "acme", directory: "https://acme-staging-v02.api.letsencrypt.org/directory", caFile: "ca.pem", hsts: 0,
    });
    expect(tlsPlan(config(`${named}tls: {certificate: certs/shop.crt, key: /etc/ssl/shop.key}\n`))).toEqual({ kind: "own", certificate: "certs/shop.crt", key: "/etc/ssl/shop.key", hsts: undefined });
    expect(tlsPlan(config(named))).toBeNull();
    expect(tlsPlan(config(`${named}tls: false\n`))).toBeNull();
  });

  it("refuses what cannot work, naming the key and what to write", () => {
    const refused = (yaml: string) => {
      try {
        config(yaml);
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refused("tls: {email: ops@example.com}\n")).toMatch(/tls: HTTPS needs server\.names/);
    expect(refused(`${named}tls: auto\n`)).toMatch(/tls\.email: ACME needs an account email/);
    expect(refused(`${named}tls: {email: not-an-address}\n`)).toMatch(/tls\.email: must be an email address/);
    expect(refused(`${named}tls: {email: ops@example.com, acme_directory: "http://acme.example/dir"}\n`)).toMatch(/tls\.acme_directory: must be the ACME directory's https:\/\/ URL/);
    expect(refused(`${named}tls: {certificate: shop.crt}\n`)).toMatch(/tls\.key: a certificate and its key go together/);
    expect(refused(`${named}tls: {certificate: shop.crt, key: shop.key, email: ops@example.com}\n`)).toMatch(/either your own certificate .* or ACME/);
    expect(refused(`server: {names: ["*.example.com"]}\ntls: {email: ops@example.com}\n`)).toMatch(/\*\.example\.com cannot get a certificate by HTTP-01/);
    expect(refused(`${named}tls: {certificate: "a\\nb", key: k}\n`)).toMatch(/tls\.certificate: must be a file path/);
    expect(refused(`${named}tls: {email: ops@example.com, hsts: -1}\n`)).toMatch(/tls\.hsts/);
  });

  it("routes the www. names the app redirects, once each", () => {
    expect(edgeNames(config("server: {names: [Shop.example.com, www.shop.example.com], redirect_www: true}\n"))).toEqual(["shop.example.com", "www.shop.example.com"]);
    expect(edgeNames(config("server: {names: [a.example, b.example], redirect_www: true}\n"))).toEqual(["a.example", "b.example", "www.a.example", "www.b.example"]);
  });

  it("keeps the TLS files inside the project out of both images", () => {
    const p = project(`${named}tls: {certificate: certs/shop.crt, key: ./certs/shop.key}\n`);
    expect(neverPatterns(p)).toEqual(expect.arrayContaining(["certs/shop.crt", "certs/shop.key"]));
    expect(neverPatterns(project(`${named}tls: {certificate: /etc/ssl/a.crt, key: ../keys/a.key}\n`)).join("\n")).not.toMatch(/a\.(crt|key)/);
  });
});

describe("an app behind the edge", () => {
  const p = project(`${named}`);

  it("publishes no port: its front joins the edge's network under its alias", () => {
    const c = parse(bundle(p, edge)["compose.yaml"]!) as Compose;
    expect(c.services.front!.ports).toBeUndefined();
    expect(c.services.front!.networks).toEqual({ edge: {}, "fdock-edge": { aliases: ["fdock-app-shop"] } });
    expect(c.networks["fdock-edge"]).toEqual({ external: true, name: "fdock-edge" });
    const plain = parse(bundle(p, published)["compose.yaml"]!) as Compose;
    expect(plain.services.front!.ports).toEqual(["80:80"]);
    expect(plain.networks["fdock-edge"]).toBeUndefined();
  });

  it("passes the edge's X-Real-IP and X-Forwarded-Proto on; a published front says them itself, as before", () => {
    const behind = bundle(p, edge);
    expect(behind["front.conf"]).not.toMatch(/proxy_set_header (X-Real-IP|X-Forwarded-Proto)/);
    expect(behind["nginx.conf"]).toContain("proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;");
    const alone = bundle(p, published);
    expect(alone["front.conf"]).toContain("proxy_set_header X-Real-IP $remote_addr;");
    expect(alone["nginx.conf"]).toContain("proxy_set_header X-Forwarded-Proto $scheme;");
  });

  it("redirects www to the apex with the scheme the client used at the edge", () => {
    const conf = bundle(project("server: {names: [shop.example.com], redirect_www: true}\n"), edge)["nginx.conf"]!;
    expect(conf).toContain("return 301 $http_x_forwarded_proto://shop.example.com$request_uri;");
    expect(bundle(project("server: {names: [shop.example.com], redirect_www: true}\n"), published)["nginx.conf"]).toContain("return 301 $scheme://shop.example.com$request_uri;");
  });
});

describe("the edge's site for an app record", () => {
  const record: EdgeAppRecord = { app: "shop", names: ["shop.example.com", "www.shop.example.com"], upstream: "fdock-app-shop:80", tls: "acme" };
  const cert = (domains: string[]): CertificateInfo => ({
    name: "shop.example.com", domains, issuer: "CN=R3", serial: "01", notAfter: new Date(), nextRenewal: new Date(), server: LETS_ENCRYPT_DIRECTORY,
    ...edgeCertificatePaths(["shop.example.com"]),
  });

  it("serves HTTPS once a certificate holding every name is there, HTTP until then", () => {
    expect(siteOf(record, [])).toEqual({ names: record.names, upstream: record.upstream });
    expect(siteOf(record, [cert(["shop.example.com"])]).certificate).toBeUndefined();
    expect(siteOf(record, [cert(["shop.example.com", "www.shop.example.com"])]).certificate).toEqual(edgeCertificatePaths(["shop.example.com"]));
    expect(siteOf({ ...record, tls: "own", hsts: 0 }, [])).toMatchObject({ certificate: { certificate: "/var/lib/fdock-edge/own/shop.crt", key: "/var/lib/fdock-edge/own/shop.key" }, hstsMaxAge: 0 });
    expect(siteOf({ ...record, tls: "none" }, [cert(record.names)]).certificate).toBeUndefined();
  });
});
