import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { reportError } from "../../src/cli/report-error.js";
import { HealthCheckError } from "../../src/core/errors.js";
import { explainServeFailure } from "../../src/core/stack/failures.js";
import { HttpWaitTimeout, waitForHttp } from "../../src/core/stack/http-check.js";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { healthRule, isHealthyStatus } from "../../src/core/project/health.js";
import { detectHealthRoute, healthRoutesIn } from "../../src/core/project/health-route.js";
import { init } from "../../src/core/project/init.js";
import { classifyProbe, parseProbe, verdictOf, type ContainerReading } from "../../src/core/stack/health-watch.js";
import { EXAMPLE_DIR, tempFolders } from "../helpers/project.js";

const folder = tempFolders();

const FLASK = "from flask import Flask\napp = Flask(__name__)\n";

describe("the health check's model and rule", () => {
  it("defaults to GET / where any answer below 500 counts", () => {
    const c = parseConfigText("name: blog\napp: main:app\n");
    expect(c.health).toEqual({ path: "/", explicit: false });
    const rule = healthRule(c);
    expect([200, 302, 404, 405].map((s) => isHealthyStatus(rule, s))).toEqual([true, true, true, true]);
    expect([500, 502, 503].map((s) => isHealthyStatus(rule, s))).toEqual([false, false, false]);
  });

  it("a health.path set in fdock.yaml must answer 2xx or 3xx; old files with /healthz keep loading", () => {
    const c = parseConfigText("name: blog\napp: main:app\nhealth:\n  path: /healthz\n");
    expect(c.health).toEqual({ path: "/healthz", explicit: true });
    const rule = healthRule(c);
    expect([200, 204, 301, 304].every((s) => isHealthyStatus(rule, s))).toBe(true);
    expect([404, 401, 500].some((s) => isHealthyStatus(rule, s))).toBe(false);
    expect(parseConfigText(readFileSync(`${EXAMPLE_DIR}/fdock.yaml`, "utf8")).health).toEqual({ path: "/healthz", explicit: true });
  });

  it("an empty health: or path: null is the default; a bad path names the key", () => {
    expect(parseConfigText("name: b\napp: main:app\nhealth: {}\n").health).toEqual({ path: "/", explicit: false });
    expect(parseConfigText("name: b\napp: main:app\nhealth:\n  path: null\n").health).toEqual({ path: "/", explicit: false });
    expect(() => parseConfigText("name: b\napp: main:app\nhealth:\n  path: healthz\n")).toThrow(/health\.path: must be a URL path starting with "\/"/);
    expect(() => parseConfigText("name: b\napp: main:app\nhealth:\n  url: /x\n")).toThrow(/health: unknown key "url"/);
  });
});

describe("init proposes a health path only when the code has a health route", () => {
  it("finds GET routes with a health name, in the decorators Flask apps use", () => {
    expect(healthRoutesIn('@app.route("/healthz")\ndef h(): return "ok"\n')).toEqual([{ path: "/healthz", object: "app" }]);
    expect(healthRoutesIn("@bp.get('/up')\n@api.route('/ping', methods=['GET', 'HEAD'])\n").map((r) => r.path)).toEqual(["/up", "/ping"]);
    expect(healthRoutesIn('@app.route("/health", methods=["POST"])\n@app.post("/status")\n@app.route("/users")\n')).toEqual([]);
    expect(healthRoutesIn('# @app.route("/healthz") in a comment line is still a decorator line?\nx = "@app.get(\'/healthz\')"\n')).toEqual([]);
  });

  it("an app with no health route gets no health: key and a note saying / is checked", async () => {
    const dir = folder({ "app.py": `${FLASK}\n@app.route("/hello")\ndef hello():\n    return "hi"\n` });
    const result = await init({ dir });
    expect(result.config.health).toBeUndefined();
    expect(readFileSync(result.file, "utf8")).not.toContain("health");
    expect(parseConfigText(readFileSync(result.file, "utf8")).health).toEqual({ path: "/", explicit: false });
    expect(result.notes.join("\n")).toMatch(/health checks GET \/: any answer below 500 counts \(no health route found/);
  });

  it("an app with a health route gets it in fdock.yaml, with a note naming the file", async () => {
    const dir = folder({ "app.py": FLASK, "web/__init__.py": "", "web/routes.py": "from app import app\n\n@app.get('/ping')\ndef ping():\n    return 'pong'\n\n@app.get('/health')\ndef health():\n    return 'ok'\n" });
    const result = await init({ dir });
    expect(result.config.health).toEqual({ path: "/health" });
    expect(result.notes.join("\n")).toContain("health checks GET /health (the route in web/routes.py)");
    expect(detectHealthRoute(EXAMPLE_DIR).route).toEqual({ path: "/healthz", file: "flask_blog/views.py" });
  });

  it("a route on a blueprint is not proposed when blueprints get a url_prefix", async () => {
    const dir = folder({
      "app.py": `${FLASK}from api import api\napp.register_blueprint(api, url_prefix="/api")\n`,
      "api.py": "from flask import Blueprint\napi = Blueprint('api', __name__)\n\n@api.get('/healthz')\ndef h():\n    return 'ok'\n",
    });
    const result = await init({ dir });
    expect(result.config.health).toBeUndefined();
    expect(result.notes.join("\n")).toContain("/healthz in api.py is on a blueprint that may have a url_prefix");
  });
});

describe("the health watcher's reading of the container's health log", () => {
  const explicit = healthRule({ health: { path: "/missing", explicit: true } });
  const byDefault = healthRule({ health: { path: "/", explicit: false } });
  const entry = (Output: string, ExitCode = 1) => ({ ExitCode, Output });
  const reading = (log: string[], state: Partial<ContainerReading> = {}): ContainerReading => ({
    status: "running", restarting: false, restartCount: 0, exitCode: 0, healthLog: log.map((l) => entry(l)), ...state,
  });

  it("parses fdock_health.py's line", () => {
    expect(parseProbe(entry("fdock-health status=404 path=/missing\n"))).toEqual({ kind: "answered", status: 404, path: "/missing" });
    expect(parseProbe(entry("fdock-health status=none path=/ error=URLError: <urlopen error [Errno 111] Connection refused>\n"))).toEqual({
      kind: "no-answer", path: "/", error: "URLError: <urlopen error [Errno 111] Connection refused>",
    });
    expect(parseProbe(entry("OCI runtime exec failed", 126))).toEqual({ kind: "unknown", passed: false });
  });

  it("a status the rule refuses is a failure; no answer, a timeout or a 503 is still starting", () => {
    expect(classifyProbe({ kind: "answered", status: 404, path: "/missing" }, explicit)).toBe("failed");
    expect(classifyProbe({ kind: "answered", status: 404, path: "/" }, byDefault)).toBe("healthy");
    expect(classifyProbe({ kind: "answered", status: 500, path: "/" }, byDefault)).toBe("failed");
    expect(classifyProbe({ kind: "answered", status: 503, path: "/" }, byDefault)).toBe("starting");
    expect(classifyProbe({ kind: "no-answer", path: "/", error: "timed out" }, byDefault)).toBe("starting");
    expect(classifyProbe({ kind: "answered", status: 200, path: "/missing" }, explicit)).toBe("healthy");
  });

  it("decides only on the same failing status twice in a row", () => {
    const refused = "fdock-health status=none path=/missing error=ConnectionRefusedError: refused";
    const notFound = "fdock-health status=404 path=/missing";
    expect(verdictOf(reading([refused, notFound]), undefined, explicit)).toBeNull();
    expect(verdictOf(reading([refused, refused, refused]), undefined, explicit)).toBeNull();
    expect(verdictOf(reading([refused, notFound, notFound]), undefined, explicit)).toEqual({ kind: "answered", status: 404, path: "/missing" });
    expect(verdictOf(reading(["fdock-health status=500 path=/missing", notFound]), undefined, explicit)).toBeNull();
    expect(verdictOf(reading([notFound, notFound]), undefined, byDefault)).toBeNull();
  });

  it("a container stopped or restarting at two looks in a row is a failure (gunicorn could not import the app)", () => {
    const crashed = reading([], { status: "restarting", restarting: true, restartCount: 1, exitCode: 3 });
    expect(verdictOf(crashed, undefined, byDefault)).toBeNull();
    expect(verdictOf(crashed, reading([]), byDefault)).toBeNull();
    expect(verdictOf(crashed, crashed, byDefault)).toEqual({ kind: "exited", exitCode: 3, restarts: 1 });
  });
});

describe("the check through nginx is a typed error with a next step", () => {
  it("a path that keeps answering 404: exit 4, the status, the rule and where to look; no stack", async () => {
    const server = createServer((_req, res) => { res.statusCode = 404; res.end("nope"); });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    try {
      const timeout = await waitForHttp(url, {}, 300, 400).catch((e: unknown) => e);
      expect(timeout).toBeInstanceOf(HttpWaitTimeout);
      const rule = healthRule({ health: { path: "/healthz", explicit: true } });
      const e = explainServeFailure(timeout, rule, "203.0.113.7") as HealthCheckError;
      expect(e).toBeInstanceOf(HealthCheckError);
      expect(e.exitCode).toBe(4);
      expect(e.message).toBe(`gunicorn is healthy, but ${url} answered 404 through nginx for 0.3 s: fdock needs a 2xx or 3xx answer to GET /healthz.`);
      expect(e.hint).toContain("health.path");
      expect(e.hint).toContain("fdock logs nginx --remote");
      const out = new PassThrough();
      expect(reportError(e, out, false)).toBe(4);
      expect(String(out.read())).not.toMatch(/\bat .*\.js:\d+/);
      // The default rule takes the same 404 as healthy.
      expect((await waitForHttp(url, {}, 300, healthRule({ health: { path: "/", explicit: false } }).below)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it("nothing answering on a machine points at its firewall", async () => {
    const timeout = new HttpWaitTimeout("http://203.0.113.7:80/", 30_000, null, "connect ECONNREFUSED 203.0.113.7:80");
    const e = explainServeFailure(timeout, healthRule({ health: { path: "/", explicit: false } }), "203.0.113.7") as HealthCheckError;
    expect(e.message).toBe("gunicorn is healthy, but nothing answered http://203.0.113.7:80/ through nginx within 30 s (last: connect ECONNREFUSED 203.0.113.7:80).");
    expect(e.hint).toContain("firewall");
    expect(explainServeFailure(new Error("other"), healthRule({ health: { path: "/", explicit: false } }))).toEqual(new Error("other"));
  });
});
