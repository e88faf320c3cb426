/**
 * `fdock up --remote CLUSTER` with the user's own registry (fdock.yaml `registry:`): a real one, the
 * distribution registry from Debian's docker-registry package (test/fixtures/registry), on the
 * hosts' network, serving HTTPS with a CA this suite makes and htpasswd auth. The nodes trust the CA
 * (/etc/docker/certs.d/HOST/ca.crt); the workstation logs in with `docker login --password-stdin`.
 * The images are pushed from the manager and pulled by the nodes (nothing copied through this
 * computer), a code change pushes only gunicorn's new layers, and a push the registry refuses (no
 * login, a wrong password) or a node that cannot pull stops the deploy with the next step, while
 * the version before keeps serving.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../../src/core/stack/http-check.js";
import { copyExample } from "../../helpers/project.js";
import { out, type ClusterSuiteContext } from "../cluster-fixture.js";
import { hostExec, PREFIX, ROOT, sh } from "../ssh-host.js";

const PORT = 8083;
const FIXTURE = join(ROOT, "test/fixtures/registry");

/** The registry's image, built from the fixture once per recipe and base (kept, like the ssh-host fixture). */
async function registryImage(): Promise<string> {
  const base = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
  const hash = createHash("sha256").update(base);
  for (const f of ["Dockerfile", "registry-standin.sh"]) hash.update(readFileSync(join(FIXTURE, f)));
  const image = `${PREFIX}registry:${hash.digest("hex").slice(0, 12)}`;
  const r = await sh("docker", ["build", "-q", "-t", image, "--build-arg", `BASE=${base}`, FIXTURE]);
  if (r.exitCode !== 0) throw new Error(`registry fixture build failed: ${r.stderr}`);
  return image;
}

/** GET https://HOST/PATH of the registry with the suite's user, trusting only the suite's CA. */
function registryGet(host: string, path: string, ca: string, auth: string): Promise<{ status: number; body: string }> {
  const [hostname, port] = host.split(":");
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: hostname, port: Number(port), path, ca, agent: false, timeout: 10_000, headers: { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** What fn answers once it answers (a node's nginx restarted by a rollback takes a moment). */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 30) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export function registrySuite(ctx: ClusterSuiteContext): void {
  describe("with the user's own registry (registry: in fdock.yaml)", () => {
    const example = copyExample({ persistent: [] });
    // On a cluster the example keeps its SQLite file in the container (the suite asks no database route).
    const init = join(example.dir, "flask_blog/__init__.py");
    writeFileSync(init, readFileSync(init, "utf8").replace("app = Flask(__name__)", 'app = Flask(__name__, instance_path="/tmp/instance")'));
    const setVersion = (v: string) => {
      const file = join(example.dir, "flask_blog/version.py");
      writeFileSync(file, readFileSync(file, "utf8").replace(/VERSION = ".*"/, `VERSION = "${v}"`));
    };
    const version = async (ip: string) => JSON.parse((await httpGet(`http://${ip}:${PORT}/api/version`)).body).version as string;
    const user = "fdock";
    const password = randomBytes(16).toString("hex");
    const certs = mkdtempSync(join(tmpdir(), "fdock-registry-ca-"));
    /** A second nginx base image, built on the manager: a new nginx image with unchanged code. */
    const otherNginx = `${PREFIX}registry-nginx-base:${process.pid}`;
    let registry: StartedTestContainer | undefined;
    let ca = "";
    /** The registry's host:port on the hosts' network, and the repository fdock.yaml names. */
    let host = "";
    let repo = "";
    const manager = () => ctx.world.names[0]!;
    const up = (env?: NodeJS.ProcessEnv) => ctx.world.ws.fdock(["-C", example.dir, "up", "--remote", ctx.world.cluster, "--port", String(PORT)], env ? { env } : {});
    const login = async () => {
      // Through the manager's engine (which trusts the CA); the credentials land in the workstation's DOCKER_CONFIG.
      const r = await ctx.world.docker(manager(), ["login", "--username", user, "--password-stdin", host], password);
      expect(r.exitCode, out(r)).toBe(0);
    };
    const tags = async (image: string) => (JSON.parse((await registryGet(host, `/v2/team/blog-${image}/tags/list`, ca, `${user}:${password}`)).body) as { tags: string[] }).tags;
    /** The node's CA file for the registry, where Docker reads it on each pull (no daemon restart needed). */
    const trust = (i: number, on: boolean) =>
      hostExec(ctx.world.hosts[i]!, on ? `mkdir -p '/etc/docker/certs.d/${host}' && echo '${Buffer.from(ca).toString("base64")}' | base64 -d >'/etc/docker/certs.d/${host}/ca.crt'` : `rm -rf '/etc/docker/certs.d/${host}'`);

    beforeAll(async () => {
      const ssl = await sh("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=fdock test registry CA", "-keyout", join(certs, "ca.key"), "-out", join(certs, "ca.crt")]);
      expect(ssl.exitCode, ssl.stderr).toBe(0);
      ca = readFileSync(join(certs, "ca.crt"), "utf8");
      registry = await new GenericContainer(await registryImage())
        .withName(`${PREFIX}registry-${process.pid}`)
        .withNetwork(ctx.world.network)
        .withEnvironment({ REGISTRY_USER: user, REGISTRY_PASSWORD: password })
        .withCopyContentToContainer([
          { content: ca, target: "/certs/ca.crt" },
          { content: readFileSync(join(certs, "ca.key")), target: "/certs/ca.key", mode: 0o600 },
        ])
        .withWaitStrategy(Wait.forLogMessage(/listening on .*tls/))
        .start();
      host = `${registry.getIpAddress(ctx.world.network.getName())}:5000`;
      repo = `${host}/team/blog`;
      for (let i = 0; i < ctx.world.hosts.length; i++) {
        const r = await trust(i, true);
        expect(r.exitCode, out(r)).toBe(0);
      }
      await login();
      const file = join(example.dir, "fdock.yaml");
      writeFileSync(file, `${readFileSync(file, "utf8")}registry: ${repo}\n`);
    }, 300_000);

    afterAll(async () => {
      const w = ctx.world;
      if (w && host) {
        await w.docker(manager(), ["stack", "rm", example.name]).catch(() => undefined);
        // The stack's containers gone from every node before the suite is done (the next suite shares the cluster).
        for (let i = 0; i < 60; i++) {
          const left = await Promise.all(w.names.map((n) => w.docker(n, ["ps", "-aq", "--filter", `label=com.docker.stack.namespace=${example.name}`]).then((r) => r.stdout.trim(), () => "")));
          if (left.every((l) => !l)) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        for (const n of w.names) {
          const refs = await w.docker(n, ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${repo}-*`]).catch(() => ({ stdout: "" }));
          const mine = refs.stdout.split("\n").filter(Boolean);
          if (mine.length) await w.docker(n, ["rmi", ...mine]).catch(() => undefined);
        }
        await w.docker(manager(), ["rmi", otherNginx]).catch(() => undefined);
        await w.docker(manager(), ["logout", host]).catch(() => undefined);
        for (let i = 0; i < w.hosts.length; i++) await trust(i, false).catch(() => undefined);
      }
      await registry?.stop().catch(() => undefined);
      rmSync(certs, { recursive: true, force: true });
      example.cleanup();
    });

    it("pushes the images from the manager and every node pulls them: nothing copied through this computer, the app answers on every node", async () => {
      const { hosts, names } = ctx.world;
      const r = await up();
      expect(r.exitCode, out(r)).toBe(0);
      expect(out(r)).toContain(`Push the images to ${repo} from ${manager()}`);
      expect(out(r)).toMatch(new RegExp(`pushed ${repo}-gunicorn:[0-9a-f]{12}: \\d+ of \\d+ layers uploaded`));
      expect(out(r)).not.toMatch(/copied|has the images already|Copy the images/);
      // In the registry, by its catalog and tags API.
      const catalog = JSON.parse((await registryGet(host, "/v2/_catalog", ca, `${user}:${password}`)).body) as { repositories: string[] };
      expect(catalog.repositories).toEqual(expect.arrayContaining(["team/blog-gunicorn", "team/blog-nginx"]));
      const [gunicornTag] = await tags("gunicorn");
      expect(gunicornTag).toMatch(/^[0-9a-f]{12}$/);
      expect(await tags("nginx")).toHaveLength(1);
      // The stack file names the registry's references.
      expect(readFileSync(join(example.dir, ".fdock/swarm.yaml"), "utf8")).toContain(`image: ${repo}-gunicorn:${gunicornTag}`);
      // One gunicorn task per node, each other node's image pulled from the registry (a pulled image has a digest there; a loaded one none).
      const ps = await ctx.world.docker(manager(), ["service", "ps", `${example.name}_gunicorn`, "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"]);
      expect(new Set(ps.stdout.split("\n").filter((l) => l.includes("Running")).map((l) => l.split(" ")[0])), ps.stdout).toEqual(new Set(hosts.map((h) => h.name)));
      for (const n of names.slice(1)) {
        const digests = await ctx.world.docker(n, ["image", "inspect", "--format", "{{json .RepoDigests}}", `${repo}-gunicorn:${gunicornTag}`]);
        expect(digests.stdout, `${n}: ${out(digests)}`).toContain(`${repo}-gunicorn@sha256:`);
      }
      for (const h of hosts) expect(await version(h.ip), h.name).toBe("1");
    });

    it("a code change pushes only the new gunicorn image's new layers; nginx's image is in the registry already", async () => {
      setVersion("2");
      const r = await up();
      expect(r.exitCode, out(r)).toBe(0);
      const gunicorn = new RegExp(`pushed ${repo}-gunicorn:[0-9a-f]{12}: (\\d+) of (\\d+) layers uploaded`).exec(out(r));
      expect(gunicorn, out(r)).not.toBeNull();
      const [uploaded, layers] = [Number(gunicorn![1]), Number(gunicorn![2])];
      expect(uploaded).toBeGreaterThanOrEqual(1);
      expect(uploaded).toBeLessThan(layers);
      expect(out(r)).toMatch(new RegExp(`pushed ${repo}-nginx:[0-9a-f]{12}: all \\d+ layers were in the registry already`));
      expect(await tags("gunicorn")).toHaveLength(2);
      expect(await tags("nginx")).toHaveLength(1);
      for (const h of ctx.world.hosts) for (let i = 0; i < 4; i++) expect(await version(h.ip), h.name).toBe("2");
    });

    it("no login, a wrong password, a registry the manager cannot reach: the push fails with the next step, and version 2 keeps serving", async () => {
      setVersion("3");
      const logout = await ctx.world.docker(manager(), ["logout", host]);
      expect(logout.exitCode, out(logout)).toBe(0);
      const notLoggedIn = await up();
      expect(notLoggedIn.exitCode, out(notLoggedIn)).toBe(1);
      expect(notLoggedIn.stderr).toContain(`The registry ${host} refused to take ${repo}-gunicorn:`);
      expect(notLoggedIn.stderr).toContain(`docker login ${host}`);
      expect(notLoggedIn.stderr).toContain("the running version (if any) still serves");
      // Credentials gone stale (the password changed): what `docker login` would have stored, with a wrong password.
      const config = join(ctx.world.ws.env.DOCKER_CONFIG!, "config.json");
      const stored = JSON.parse(readFileSync(config, "utf8")) as { auths?: Record<string, { auth: string }> };
      writeFileSync(config, JSON.stringify({ ...stored, auths: { ...stored.auths, [host]: { auth: Buffer.from(`${user}:wrong-${password}`).toString("base64") } } }));
      const wrong = await up();
      expect(wrong.exitCode, out(wrong)).toBe(1);
      expect(wrong.stderr).toContain(`The registry ${host} refused to take ${repo}-gunicorn:`);
      expect(wrong.stderr).toContain(`docker login ${host}`);
      expect(await tags("gunicorn")).toHaveLength(2);
      for (const h of ctx.world.hosts) expect(await version(h.ip), h.name).toBe("2");
      await login();
      // A registry the manager cannot reach (nothing listens on that port): named, with the manager.
      const file = join(example.dir, "fdock.yaml");
      const yaml = readFileSync(file, "utf8");
      const closed = `${host.split(":")[0]}:5999`;
      writeFileSync(file, yaml.replace(`registry: ${repo}`, `registry: ${closed}/team/blog`));
      try {
        const unreachable = await up();
        expect(unreachable.exitCode, out(unreachable)).toBe(1);
        expect(unreachable.stderr).toContain(`Machine "${manager()}" cannot reach the registry ${closed}`);
        expect(unreachable.stderr).toContain("connection refused");
      } finally {
        writeFileSync(file, yaml);
      }
      for (const h of ctx.world.hosts) expect(await version(h.ip), h.name).toBe("2");
    });

    it("a node that cannot pull (it does not trust the registry's certificate) is named with the registry; Swarm keeps the version before", async () => {
      const { hosts, names, ws } = ctx.world;
      // Back to version 2's code (its gunicorn image, unchanged); a new nginx image (from another base
      // image) must run on every node, the one that cannot pull included.
      setVersion("2");
      const base = process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable";
      const built = await ctx.world.docker(manager(), ["build", "-q", "-t", otherNginx, "-"], `FROM ${base}\nLABEL fdock.test=registry-suite\n`);
      expect(built.exitCode, out(built)).toBe(0);
      const worker = names.length - 1;
      expect((await trust(worker, false)).exitCode).toBe(0);
      try {
        const r = await up({ ...ws.env, FDOCK_NGINX_IMAGE: otherNginx });
        expect(r.exitCode, out(r)).toBe(1);
        expect(r.stderr).toContain(`Machine "${names[worker]}" could not pull the new images from the registry ${host}`);
        // The release task, when Swarm placed it on that node, is the first to fail (on the gunicorn image).
        expect(r.stderr).toMatch(new RegExp(`docker --context fdock-${names[worker]} pull ${repo.replace(/\./g, "\\.")}-(nginx|gunicorn):`));
        for (const h of hosts) expect(await eventually(() => version(h.ip)), h.name).toBe("2");
      } finally {
        await trust(worker, true);
      }
    });
  });
}
