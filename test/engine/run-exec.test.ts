import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArgv, type RunResult } from "../../src/core/exec.js";
import { runOnPty } from "../aws/pty.js";
import { docker, downLocal, eventually, projectContainers, projectNetworks, removeProjectImages, upLocal } from "../helpers/engine.js";
import { copyExample } from "../helpers/project.js";

/**
 * `fdock run` and `fdock exec` through the CLI on the real engine: exit codes, output, stdin,
 * a real pseudo-terminal, the app's environment and volumes, and what is left after.
 */
const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

/** fdock with stdin given (empty: closed at once), stdout and stderr captured. */
const fdock = (dir: string, args: string[], input = ""): Promise<RunResult> =>
  runArgv({ file: process.execPath, args: [BIN, "-C", dir, ...args] }, { input, env: process.env });

/** The project's containers of one service, running or not. */
const containersOf = async (project: string, service: string) =>
  (await docker("ps", "-a", "--filter", `label=com.docker.compose.project=${project}`, "--filter", `label=com.docker.compose.service=${service}`, "--format", "{{.Names}}"))
    .split("\n").filter(Boolean);

/** What the compose file's services resolve to, as compose reads them (`extends` applied). */
async function resolvedServices(dir: string): Promise<Record<string, Record<string, unknown>>> {
  const out = await docker("compose", "-f", join(dir, ".fdock", "compose.yaml"), "--profile", "run", "--profile", "release", "config", "--format", "json");
  return (JSON.parse(out) as { services: Record<string, Record<string, unknown>> }).services;
}

describe("fdock run and exec, development stack", () => {
  const ex = copyExample({ env_file: ".env" });
  writeFileSync(join(ex.dir, ".env"), "GREETING=hello from the env file\n");

  beforeAll(async () => {
    await upLocal(ex.dir, "development");
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("the run service resolves to everything gunicorn has, but no health check, restart or name", async () => {
    const services = await resolvedServices(ex.dir);
    const strip = ({ healthcheck: _h, restart: _r, profiles: _p, pull_policy: _pp, ...rest }: Record<string, unknown>) => rest;
    expect(strip(services.run!)).toEqual(strip(services.gunicorn!));
    expect(services.run!.healthcheck).toMatchObject({ disable: true });
    expect(services.run!.restart).toBe("no");
    expect((services.gunicorn!.environment as Record<string, string>).FDOCK_RELOAD).toBe("1");
  });

  it("fdock run prints, passes the command's exit code through and leaves no container or file behind", async () => {
    const r = await fdock(ex.dir, ["run", "--", "python", "-c", "import sys; print('hi'); sys.exit(3)"]);
    expect(r.stdout).toBe("hi\n");
    expect(r.exitCode).toBe(3);
    expect(await containersOf(ex.name, "run")).toEqual([]);
    expect(readdirSync(join(ex.dir, ".fdock")).filter((f) => f.startsWith("run-"))).toEqual([]);
  });

  it("fdock run sees the env file's values, the app's settings and the current code (the source is mounted)", async () => {
    writeFileSync(join(ex.dir, "fresh_module.py"), 'X = "written after up"\n');
    const r = await fdock(ex.dir, ["run", "--", "python", "-c", "import os, fresh_module; print(fresh_module.X, '|', os.environ['GREETING'], '|', os.environ['FDOCK_APP'])"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("written after up | hello from the env file | flask_blog:create_app()\n");
  });

  it("fdock run passes stdin through when it is not a terminal", async () => {
    const r = await fdock(ex.dir, ["run", "--", "python"], "import sys\nprint(6 * 7)\nsys.exit(2)\n");
    expect(r.stdout).toBe("42\n");
    expect(r.exitCode).toBe(2);
  });

  it("fdock run on a pseudo-terminal is interactive: python's prompt answers what is typed", async () => {
    const pty = runOnPty([process.execPath, BIN, "-C", ex.dir, "run", "--", "python"], { ...process.env, TERM: "xterm" });
    await pty.waitFor(/>>> $/m);
    pty.type("print(6 * 7)\r");
    await pty.waitFor(/^42\r?$/m);
    pty.type("raise SystemExit(7)\r");
    expect(await pty.exit).toBe(7);
    expect(await containersOf(ex.name, "run")).toEqual([]);
  });

  it("Ctrl-C without a terminal reaches the command, fdock exits 130 and no container is left running it", async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches fdock and compose alike.
    // What it prints after Ctrl-C is lost (compose stops relaying on Ctrl-C): it leaves a file in the mounted source instead.
    const script = "import time\ntry:\n    print('started', flush=True); time.sleep(120)\nexcept KeyboardInterrupt:\n    open('got-ctrl-c', 'w').close(); raise";
    const child = spawn(process.execPath, [BIN, "-C", ex.dir, "run", "--", "python", "-c", script], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await eventually(async () => out.includes("started"), 60_000, "the one-off prints");
    process.kill(-child.pid!, "SIGINT");
    expect(await exited).toBe(130);
    expect(existsSync(join(ex.dir, "got-ctrl-c"))).toBe(true);
    expect(await containersOf(ex.name, "run")).toEqual([]);
  });

  it("fdock exec gunicorn prints and passes the exit code through", async () => {
    const r = await fdock(ex.dir, ["exec", "gunicorn", "--", "python", "-c", "import os, sys; print('in', os.environ['FDOCK_APP']); sys.exit(5)"]);
    expect(r.stdout).toBe("in flask_blog:create_app()\n");
    expect(r.exitCode).toBe(5);
  });

  it("fdock exec on a pseudo-terminal is interactive: a shell in nginx answers", async () => {
    const pty = runOnPty([process.execPath, BIN, "-C", ex.dir, "exec", "nginx", "--", "sh"], { ...process.env, TERM: "xterm" });
    await pty.waitFor(/[#$] $/m);
    pty.type("echo answer-$((6 * 7))\r");
    await pty.waitFor(/^answer-42\r?$/m);
    pty.type("exit 4\r");
    expect(await pty.exit).toBe(4);
  });

  it("fdock exec runs an app container's command through its env wrapper (as `sh WRAPPER`, as the ENTRYPOINT does) when the image has one", async () => {
    const [gunicorn] = await containersOf(ex.name, "gunicorn");
    const wrapper = "/etc/fdock/with-app-env";
    await docker("exec", "-u", "0", gunicorn!, "sh", "-c", `printf 'export WRAPPED=yes\\nexec "$@"\\n' > ${wrapper}`);
    try {
      const r = await fdock(ex.dir, ["exec", "gunicorn", "--", "sh", "-c", 'echo "wrapped=$WRAPPED args=$#" "$@"', "x", "a b", "$HOME"]);
      expect(r.stdout).toBe("wrapped=yes args=2 a b $HOME\n");
      expect(r.exitCode).toBe(0);
    } finally {
      await docker("exec", "-u", "0", gunicorn!, "rm", "-f", wrapper);
    }
    // Without it, the same command as it is.
    expect((await fdock(ex.dir, ["exec", "gunicorn", "--", "sh", "-c", 'echo "wrapped=$WRAPPED"'])).stdout).toBe("wrapped=\n");
  });

  it("fdock exec into an unknown service, or one with no running container: exit 1, what runs and what to do", async () => {
    const unknown = await fdock(ex.dir, ["exec", "wroker", "--", "true"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain(`"wroker" is not a service of ${ex.name}: it has gunicorn, nginx, front.`);
    expect(unknown.stderr).toContain("fdock exec gunicorn -- python -V");
    const front = await fdock(ex.dir, ["exec", "front", "--", "true"]);
    expect(front.exitCode).toBe(1);
    expect(front.stderr).toContain("front has no running container here; what runs: gunicorn, nginx.");
    expect(front.stderr).toContain("`fdock up`");
    expect(front.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("fdock run and exec, production stack", () => {
  const ex = copyExample();

  beforeAll(async () => {
    await upLocal(ex.dir, "production");
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("while production runs here, fdock run is production: the persistent paths are the app's volumes, shared with gunicorn", async () => {
    const r = await fdock(ex.dir, ["run", "--", "python", "-c", "open('instance/from-run.txt', 'w').write('written by fdock run')"]);
    expect(r.exitCode).toBe(0);
    const read = await fdock(ex.dir, ["exec", "gunicorn", "--", "cat", "instance/from-run.txt"]);
    expect(read.stdout).toBe("written by fdock run");
    expect(existsSync(join(ex.dir, "instance", "from-run.txt"))).toBe(false);
  });

  it("a redeploy while a one-off runs: the deploy is not disturbed (records its release), the one-off keeps running", async () => {
    const child = spawn(process.execPath, [BIN, "-C", ex.dir, "run", "--", "python", "-c", "import sys; print('read', len(sys.stdin.read()))"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await eventually(async () => (await containersOf(ex.name, "run")).length === 1, 60_000, "the one-off container runs");
      writeFileSync(join(ex.dir, "flask_blog", "redeploy_marker.py"), "MARKER = 1\n");
      const result = await upLocal(ex.dir, "production");
      expect(result.release).toBeTruthy();
      expect(await containersOf(ex.name, "gunicorn")).toHaveLength(1);
      expect(await containersOf(ex.name, "run")).toHaveLength(1);
    } finally {
      child.stdin.end("four");
    }
    expect(await exited).toBe(0);
    expect(out).toBe("read 4\n");
    expect(await containersOf(ex.name, "run")).toEqual([]);
  });

  it("after `fdock down`, fdock run still works and removes the networks it had to create", async () => {
    await downLocal(ex.dir, false);
    expect(await projectNetworks(ex.name)).toEqual([]);
    const r = await fdock(ex.dir, ["run", "--", "python", "-c", "print('after down')"]);
    expect(r.stdout).toBe("after down\n");
    expect(r.exitCode).toBe(0);
    expect(await projectNetworks(ex.name)).toEqual([]);
    expect(await projectContainers(ex.name)).toEqual([]);
  });

  it("an app never deployed on this engine: exit 1, says so and to run `fdock up`; creates nothing", async () => {
    const fresh = copyExample();
    try {
      const r = await fdock(fresh.dir, ["run", "--", "flask", "shell"]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`${fresh.name} has no gunicorn image on this engine yet (it was never deployed there)`);
      expect(r.stderr).toContain("Run `fdock up` first");
      expect(await projectContainers(fresh.name)).toEqual([]);
      expect(await projectNetworks(fresh.name)).toEqual([]);
      expect(existsSync(join(fresh.dir, ".fdock"))).toBe(false);
    } finally {
      fresh.cleanup();
    }
  });
});
