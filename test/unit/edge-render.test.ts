import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/core/errors.js";
import { acmeFailure } from "../../src/core/edge/acme-failure.js";
import { obtainArgv, renewArgv } from "../../src/core/edge/certificates.js";
import { parseCertsOutput } from "../../src/core/edge/certs-output.js";
import { edgeImageTag } from "../../src/core/edge/edge-image.js";
import { tarOf } from "../../src/core/edge/tar.js";
import { renderEdgeDockerfile, renderEdgeImageFiles, renderEdgeNginxConf } from "../../src/core/render/edge-image.js";
import { EDGE_HTTP2_FILE, EDGE_HTTPS_LISTEN_FILE, EDGE_SITES_FILE, EDGE_WEBROOT, edgeCertificatePaths } from "../../src/core/render/edge-layout.js";
import { renderEdgeSites, type EdgeSite } from "../../src/core/render/edge-sites.js";

const app: EdgeSite = { names: ["app.example.com", "www.app.example.com"], upstream: "blog-nginx:80" };
const secure: EdgeSite = { ...app, certificate: edgeCertificatePaths(app.names) };

describe("the edge image", () => {
  it("is FROM the nginx image as a parameter, adds Debian's lego and openssl, and runs its entrypoint", () => {
    const dockerfile = renderEdgeDockerfile("nginx:stable");
    expect(dockerfile).toContain("ARG NGINX_IMAGE=nginx:stable\nFROM ${NGINX_IMAGE}");
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends lego ca-certificates openssl/);
    expect(dockerfile).toContain('ENTRYPOINT ["fdock-edge-entrypoint"]');
    expect(dockerfile).toContain("STOPSIGNAL SIGQUIT");
    expect(dockerfile).not.toMatch(/^VOLUME/m); // the state volume is named by fdock, never anonymous
  });

  it("holds every file its Dockerfile copies, and its tag changes with any of them", () => {
    const files = renderEdgeImageFiles("nginx:stable");
    for (const m of renderEdgeDockerfile("nginx:stable").matchAll(/^COPY (.+) \S+$/gm)) {
      for (const name of m[1]!.split(" ")) expect(Object.keys(files)).toContain(name);
    }
    expect(edgeImageTag("nginx:stable")).toMatch(/^fdock-edge:[0-9a-f]{12}$/);
    expect(edgeImageTag("nginx:stable")).toBe(edgeImageTag("nginx:stable"));
    expect(edgeImageTag("nginx:1.27")).not.toBe(edgeImageTag("nginx:stable"));
  });

  it("answers unknown names with the ACME challenge path only (444 otherwise) and refuses their TLS handshakes", () => {
    const conf = renderEdgeNginxConf();
    expect(conf).toMatch(/listen 80 default_server backlog=4096;[\s\S]*location \^~ \/\.well-known\/acme-challenge\/ \{\s*root \/var\/lib\/fdock-edge\/webroot;[\s\S]*return 444;/);
    expect(conf).toMatch(/include \/etc\/nginx\/fdock-edge\/https-listen\.conf;\s*server_name _;\s*ssl_reject_handshake on;/);
    expect(conf).toContain(`include ${EDGE_SITES_FILE};`);
    expect(conf).toContain("resolver 127.0.0.11");
    // TLS resumption from the shared cache, which survives the reloads that renew ticket keys.
    expect(conf).toMatch(/ssl_session_cache shared:\w+:10m;/);
    expect(conf).toContain("ssl_session_tickets off;");
    expect(conf).not.toMatch(/\{\{/);
  });

  it("turns HTTP/2 on for HTTPS the way the image's nginx understands (the directive from 1.25.1, the listen parameter before)", () => {
    const dockerfile = renderEdgeDockerfile("nginx:stable");
    const conf = renderEdgeNginxConf();
    // Both files are written when the image is built, from the version of the nginx it is FROM, and nginx.conf includes them.
    expect(dockerfile).toMatch(/dpkg --compare-versions "\$\(nginx -v 2>&1 \| sed 's\|\.\*\/\|\|'\)" ge 1\.25\.1; then/);
    expect(dockerfile).toContain(`echo 'http2 on;' >${EDGE_HTTP2_FILE}`);
    expect(dockerfile).toContain(`echo 'listen 443 ssl default_server backlog=4096;' >${EDGE_HTTPS_LISTEN_FILE}`);
    expect(dockerfile).toContain(`echo 'listen 443 ssl http2 default_server backlog=4096;' >${EDGE_HTTPS_LISTEN_FILE}`);
    // Written before the sites file is copied into the same folder, and included where each belongs.
    expect(dockerfile.indexOf(EDGE_HTTP2_FILE)).toBeLessThan(dockerfile.indexOf(`COPY sites.conf ${EDGE_SITES_FILE}`));
    expect(conf).toMatch(new RegExp(`http \\{[\\s\\S]*include ${EDGE_HTTP2_FILE};[\\s\\S]*server \\{`));
    expect(conf).toMatch(new RegExp(`server \\{\\s*(#.*\\s*)?include ${EDGE_HTTPS_LISTEN_FILE};\\s*server_name _;\\s*ssl_reject_handshake on;`));
    // The sites' own HTTPS servers listen plainly (HTTP/2 comes from the above).
    expect(renderEdgeSites([secure])).toMatch(/listen 443 ssl;\n/);
  });

  it("runs scripts whose layout comes from edge-layout.ts (no placeholder left)", () => {
    const files = renderEdgeImageFiles("nginx:stable");
    expect(files["fdock-certs"]).toContain(`webroot=${EDGE_WEBROOT}`);
    expect(files["fdock-edge-reload"]).toContain(`sites=${EDGE_SITES_FILE}`);
    expect(files["fdock-edge-entrypoint"]).toContain("sleep 43200");
    for (const text of Object.values(files)) expect(text).not.toMatch(/\{\{\w+\}\}/);
  });
});

describe("the edge's sites", () => {
  it("without a certificate: HTTP to the app, the challenge path first, the app found when a request comes", () => {
    const conf = renderEdgeSites([app]);
    expect(conf).toContain("server_name app.example.com www.app.example.com;");
    expect(conf).toContain("location ^~ /.well-known/acme-challenge/");
    expect(conf).toContain("set $fdock_upstream blog-nginx:80;\n        proxy_pass http://$fdock_upstream;");
    expect(conf).not.toContain("ssl");
  });

  it("with a certificate: HTTP redirects to HTTPS except the challenge path, HTTPS proxies with HSTS, forwarded headers replaced", () => {
    const conf = renderEdgeSites([secure]);
    const [http, https] = conf.split(/\nserver \{/).slice(1);
    expect(http).toContain("location ^~ /.well-known/acme-challenge/");
    expect(http).toContain("return 301 https://$host$request_uri;");
    expect(http).not.toContain("proxy_pass");
    expect(https).toContain("listen 443 ssl;");
    expect(https).toContain("ssl_certificate /var/lib/fdock-edge/lego/certificates/app.example.com.crt;");
    expect(https).toContain("ssl_certificate_key /var/lib/fdock-edge/lego/certificates/app.example.com.key;");
    expect(https).toContain('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(https).toContain("proxy_set_header X-Forwarded-For $remote_addr;");
    expect(https).toContain("proxy_set_header X-Forwarded-Proto $scheme;");
    expect(https).not.toContain("$proxy_add_x_forwarded_for");
  });

  it("sends HSTS for as long as asked, or not at all with 0", () => {
    expect(renderEdgeSites([{ ...secure, hstsMaxAge: 600 }])).toContain('"max-age=600"');
    expect(renderEdgeSites([{ ...secure, hstsMaxAge: 0 }])).not.toContain("Strict-Transport-Security");
  });

  it("with no site: a file nginx includes that serves nothing", () => {
    expect(renderEdgeSites([])).not.toContain("server {");
  });

  it("refuses a name that is not a host name, and two apps claiming one name, naming the key", () => {
    const bad = (names: string[]) => () => renderEdgeSites([{ names, upstream: "a:80" }]);
    for (const name of ["exa mple.com", "example.com;", "-x.com", "a..b", "ex_ample.com", "", "a.*.com"]) {
      expect(bad([name]), name).toThrow(UserError);
    }
    expect(bad(["exa mple.com"])).toThrow(/server\.names: "exa mple\.com" is not a host name/);
    expect(bad(["*.example.com", "Example.COM"])).not.toThrow();
    expect(() => renderEdgeSites([app, { names: ["WWW.app.example.com"], upstream: "other-nginx:80" }])).toThrow(/claimed by two apps on this engine \(blog-nginx:80 and other-nginx:80\)/);
    expect(() => renderEdgeSites([{ names: [], upstream: "a:80" }])).toThrow(/no host name/);
  });

  it("names a certificate's files after its first name, as lego does", () => {
    expect(edgeCertificatePaths(["*.Example.com", "example.com"]).certificate).toBe("/var/lib/fdock-edge/lego/certificates/_.example.com.crt");
  });
});

describe("fdock-certs' argv and output", () => {
  it("puts names, email, directory and CA file on the argv, no secret", () => {
    expect(obtainArgv(["a.test", "b.test"], "me@x.test", "https://acme/dir", "/var/lib/fdock-edge/ca/1.pem")).toEqual([
      "fdock-certs", "obtain", "--domains", "a.test,b.test", "--email", "me@x.test", "--server", "https://acme/dir", "--ca-file", "/var/lib/fdock-edge/ca/1.pem",
    ]);
    expect(renewArgv(true)).toEqual(["fdock-certs", "renew", "--force"]);
    expect(renewArgv(false)).toEqual(["fdock-certs", "renew"]);
  });

  it("parses result lines and ignores anything else", () => {
    const out = [
      "some log line",
      "fdock-certs\tresult=reused\tname=a.test\tdomains=a.test,b.test\tissuer=CN=Pebble Intermediate CA 1a\tserial=0A1B\tnot_after=2031-01-02T03:04:05Z\tnext_renewal=2030-12-03T03:04:05Z\tserver=https://p/dir\tcert=/c.crt\tkey=/c.key",
      "fdock-certs\tresult=failed\tname=c.test",
    ].join("\n");
    const [reused, failed] = parseCertsOutput(out);
    expect(reused).toEqual({
      result: "reused",
      name: "a.test",
      info: {
        name: "a.test", domains: ["a.test", "b.test"], issuer: "CN=Pebble Intermediate CA 1a", serial: "0A1B",
        notAfter: new Date("2031-01-02T03:04:05Z"), nextRenewal: new Date("2030-12-03T03:04:05Z"), server: "https://p/dir", certificate: "/c.crt", key: "/c.key",
      },
    });
    expect(failed).toEqual({ result: "failed", name: "c.test", info: undefined });
    expect(() => parseCertsOutput("fdock-certs\tresult=exploded")).toThrow(/unknown result/);
  });
});

describe("an ACME failure", () => {
  const lego = (line: string) => `2026/11/22 10:00:00 [INFO] [app.example.com] acme: Obtaining bundled SAN certificate\n2026/11/22 10:00:01 Could not obtain certificates:\n\terror: one or more domains had a problem:\n[app.example.com] ${line}\n`;

  it("says to check DNS when the server found no address", () => {
    const e = acmeFailure(["app.example.com"], "https://acme/dir", lego("acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem: NXDOMAIN looking up A for app.example.com"));
    expect(e.message).toBe("Could not get a certificate for app.example.com from https://acme/dir.");
    expect(e.hint).toMatch(/Check DNS: each of app\.example\.com needs an A \(or AAAA\) record/);
    expect(e.detail).toContain("NXDOMAIN");
  });

  it("says to check port 80 when the server could not fetch the challenge", () => {
    const e = acmeFailure(["app.example.com"], "https://acme/dir", lego("acme: error: 400 :: urn:ietf:params:acme:error:connection :: Timeout during connect (likely firewall problem)"));
    expect(e.hint).toMatch(/port 80 on it is open to the internet/);
  });

  it("says to set tls.acme_ca when the directory's certificate is not trusted", () => {
    const e = acmeFailure(["a.test"], "https://pebble:14000/dir", '2026/11/22 10:00:00 Could not create client: get directory at \'https://pebble:14000/dir\': Get "https://pebble:14000/dir": x509: certificate signed by unknown authority');
    expect(e.hint).toMatch(/tls\.acme_ca/);
  });
});

describe("the tar writer", () => {
  it("writes files that tar extracts with their content and mode", () => {
    const dir = mkdtempSync(join(tmpdir(), "fdock-tar-"));
    try {
      const big = "x".repeat(1500);
      execFileSync("tar", ["-x", "-C", dir], { input: tarOf([{ name: "a.conf", content: "hello\n" }, { name: "run", content: big, mode: 0o755 }]) });
      expect(readFileSync(join(dir, "a.conf"), "utf8")).toBe("hello\n");
      expect(readFileSync(join(dir, "run"), "utf8")).toBe(big);
      expect(statSync(join(dir, "run")).mode & 0o777).toBe(0o755);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
