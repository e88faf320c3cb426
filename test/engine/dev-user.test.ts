import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArgv, type RunResult } from "../../src/core/exec.js";
import { copyExample } from "../helpers/project.js";
import { downLocal, eventually, httpGet } from "../helpers/engine.js";

const ROOT = resolve(import.meta.dirname, "../..");
/** A user with no passwd entry, like a laptop user whose uid the images do not know. */
const UID = 4242;

/**
 * `fdock up` in development mode run by an ordinary user whose project lives in a 0700 folder
 * (Ubuntu homes are 0750 since 21.04): the container's own `app` user could not read it.
 */
describe("development mode in a folder only its owner can read", () => {
  const ex = copyExample();
  const home = join(dirname(ex.dir), "home");
  let port = 0;

  /** The fdock CLI as that user, with the docker group (the engine's socket group) and its own HOME. */
  const fdockAsUser = (args: string[]): Promise<RunResult> => {
    const dockerGid = statSync("/var/run/docker.sock").gid;
    const env = { ...process.env, HOME: home, DOCKER_CONFIG: join(home, ".docker") };
    for (const k of ["DOCKER_HOST", "DOCKER_CONTEXT", "FDOCK_MACHINE_NAME"]) delete env[k];
    return runArgv(
      { file: "setpriv", args: [`--reuid=${UID}`, `--regid=${UID}`, `--groups=${dockerGid}`, process.execPath, join(ROOT, "dist/cli/bin.js"), ...args] },
      { env, timeoutMs: 300_000 },
    );
  };

  beforeAll(async () => {
    mkdirSync(home);
    // The whole tree is the user's; the project folder is 0700, as a private home would make it.
    for (const path of [dirname(ex.dir), home]) chownSync(path, UID, UID);
    await runArgv({ file: "chown", args: ["-R", `${UID}:${UID}`, ex.dir] });
    chmodSync(ex.dir, 0o700);
    const r = await fdockAsUser(["-C", ex.dir, "--json", "up", "--port", "0"]);
    if (r.exitCode !== 0) throw new Error(`fdock up as uid ${UID} failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    port = (JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as { port: number }).port;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    ex.cleanup();
  });

  it("serves the app, and the files it writes in the source belong to the user", async () => {
    expect((await httpGet(`http://127.0.0.1:${port}/`)).status).toBe(200);
    // The release command created the SQLite database in the project's own instance/ folder.
    const db = statSync(join(ex.dir, "instance", "blog.sqlite"));
    expect(db.uid).toBe(UID);
    expect(db.gid).toBe(UID);
  });

  it("serves an edit without a restart", async () => {
    const file = join(ex.dir, "flask_blog/version.py");
    writeFileSync(file, readFileSync(file, "utf8").replace('VERSION = "1"', 'VERSION = "private-edit"'));
    await eventually(
      async () => JSON.parse((await httpGet(`http://127.0.0.1:${port}/api/version`)).body).version === "private-edit",
      30_000,
      "the edited version.py served",
    );
  });
});
