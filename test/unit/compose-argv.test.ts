import { describe, expect, it } from "vitest";
import { composeArgv, parsePort } from "../../src/core/stack/compose-argv.js";

const local = { dockerArgs: [] };
const machine = { dockerArgs: ["--context", "fdock-web"] };
const base = ["compose", "-f", "compose.yaml"];
const docker = (...args: string[]) => ({ file: "docker", args: [...base, ...args] });

describe("compose argv builders", () => {
  it("build, release and config", () => {
    expect(composeArgv.build(local)).toEqual(docker("build"));
    expect(composeArgv.runRelease(local)).toEqual(docker("run", "--rm", "--no-deps", "release"));
    expect(composeArgv.configHashes(local)).toEqual(docker("config", "--hash", "*"));
    expect(composeArgv.configCheck(local)).toEqual(docker("config", "--quiet"));
  });

  it("up: gunicorn alone, nginx after its dependencies, a service beside the running one, one service alone", () => {
    expect(composeArgv.upGunicorn(local)).toEqual(docker("up", "--detach", "--wait", "--no-build", "--no-deps", "--remove-orphans", "gunicorn"));
    expect(composeArgv.upNginx(local)).toEqual(docker("up", "--detach", "--wait", "--no-build", "nginx"));
    expect(composeArgv.upBeside(local, "gunicorn")).toEqual(docker("up", "--detach", "--wait", "--no-build", "--no-deps", "--no-recreate", "--scale", "gunicorn=2", "gunicorn"));
    expect(composeArgv.upBeside(local, "nginx")).toEqual(docker("up", "--detach", "--wait", "--no-build", "--no-deps", "--no-recreate", "--scale", "nginx=2", "nginx"));
    expect(composeArgv.upAlone(local, "front")).toEqual(docker("up", "--detach", "--wait", "--no-build", "--no-deps", "front"));
  });

  it("run: a one-off container of the run service from its own file, removed after; -T without a terminal", () => {
    const file = "run-42.compose.yaml";
    const from = (...args: string[]) => ({ file: "docker", args: ["compose", "-f", file, ...args] });
    const name = "blog-run-1a2b3c4d";
    expect(composeArgv.runOneOff(local, file, name, ["flask", "shell"], true)).toEqual(from("run", "--rm", "--no-deps", "--name", name, "run", "flask", "shell"));
    expect(composeArgv.runOneOff(local, file, name, ["python", "-c", "print(1)"], false)).toEqual(from("run", "--rm", "--no-deps", "--name", name, "-T", "run", "python", "-c", "print(1)"));
    expect(composeArgv.runOneOff(machine, file, name, ["sh"], true)).toEqual({ file: "docker", args: ["--context", "fdock-web", "compose", "-f", file, "run", "--rm", "--no-deps", "--name", name, "run", "sh"] });
  });

  it("down keeps the volumes unless asked", () => {
    expect(composeArgv.down(local, false)).toEqual(docker("down", "--remove-orphans"));
    expect(composeArgv.down(local, true)).toEqual(docker("down", "--remove-orphans", "--volumes"));
  });

  it("ps, logs and port", () => {
    expect(composeArgv.ps(local)).toEqual(docker("ps", "--all", "--format", "json"));
    expect(composeArgv.logs(local, ["gunicorn"])).toEqual(docker("logs", "--no-color", "gunicorn"));
    expect(composeArgv.logs(local, ["gunicorn", "nginx"], { follow: true, tail: 50 })).toEqual(docker("logs", "--no-color", "--tail", "50", "--follow", "gunicorn", "nginx"));
    expect(composeArgv.port(local, "front", 80)).toEqual(docker("port", "front", "80"));
  });

  it("puts a machine's docker arguments before `compose`", () => {
    expect(composeArgv.down(machine, false)).toEqual({ file: "docker", args: ["--context", "fdock-web", ...base, "down", "--remove-orphans"] });
  });

  it("reads the published port compose prints", () => {
    expect(parsePort("0.0.0.0:32768\n")).toBe(32768);
    expect(parsePort("[::]:8080")).toBe(8080);
    expect(parsePort("")).toBeUndefined();
  });
});
