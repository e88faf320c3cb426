import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentReporter } from "../../src/core/events.js";
import { build } from "../../src/core/stack/build.js";
import { PYPI_SIMPLE } from "../../src/core/stack/pip-failure.js";
import { runArgv } from "../../src/core/exec.js";
import { failure } from "../helpers/failure.js";
import { copyExample } from "../helpers/project.js";
import { docker, projectContainers, removeProjectImages } from "../helpers/engine.js";

/**
 * Every build installs the app's requirements with pip from a package index, as with
 * python:3.12-slim and PyPI: the base image holds no application package. On the rig the index
 * is scripts/rig's (FDOCK_PIP_INDEX_URL, which the stand-in's PIP_INDEX_URL points at).
 */
const BASE = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
const INDEX = process.env.FDOCK_PIP_INDEX_URL ?? PYPI_SIMPLE;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function example() {
  const ex = copyExample();
  cleanups.push(ex.cleanup);
  // Every image the build made for it (gunicorn, nginx and the front), tagged or not.
  cleanups.push(() => removeProjectImages(ex.name));
  return ex;
}

const imageId = async (ref: string) => (await runArgv({ file: "docker", args: ["image", "inspect", "-f", "{{.Id}}", ref] })).stdout.trim();

/** Runs Python in an image (its entrypoint bypassed); stdout, or the error output when it fails. */
async function python(image: string, code: string): Promise<{ ok: boolean; out: string }> {
  const r = await runArgv({ file: "docker", args: ["run", "--rm", "--entrypoint", "python", image, "-c", code] });
  return { ok: r.exitCode === 0, out: (r.exitCode === 0 ? r.stdout : r.stderr).trim() };
}

describe("requirements are installed by pip from a real package index", () => {
  it("the Python base image is like python:3.12-slim: python and pip on PATH, no application package", async () => {
    expect((await python(BASE, "import sys; print(sys.version_info.major)")).out).toBe("3");
    expect(await docker("run", "--rm", BASE, "pip", "--version")).toMatch(/^pip \d+/);
    for (const module of ["flask", "gunicorn", "gevent"]) {
      const r = await python(BASE, `import ${module}`);
      expect(r.ok, `${module} importable from ${BASE}`).toBe(false);
      expect(r.out).toContain(`No module named '${module}'`);
    }
  });

  it("a build installs the example's requirements: Flask, gunicorn and gevent come from pip, not from the base image", async () => {
    const ex = example();
    await build({ dir: ex.dir, mode: "production", publishHost: "127.0.0.1" }, silentReporter);
    const image = `fdock-${ex.name}-gunicorn:latest`;
    const code = [
      // What gunicorn's gevent worker does first: gevent resolves its plugins' requirements through pkg_resources.
      "from gevent import monkey; monkey.patch_all()",
      "import importlib.metadata as m, flask, gunicorn, gevent",
      "for name, mod in (('flask', flask), ('gunicorn', gunicorn), ('gevent', gevent)):",
      "    d = m.distribution(name)",
      "    print(name, d.version, (d.read_text('INSTALLER') or '').strip(), mod.__file__)",
    ].join("\n");
    const r = await python(image, code);
    expect(r.ok, r.out).toBe(true);
    const lines = r.out.split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const [, , installer, file] = line.split(" ");
      expect(installer, line).toBe("pip");
      expect(file, line).toContain("/site-packages/");
      expect(file, line).not.toContain("dist-packages");
    }
    // The versions the example asks for (Flask>=2.2, gunicorn>=20.1, gevent>=22.10).
    const version = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(" ")[1]!.split(".").map(Number);
    expect(version("flask")[0]! * 100 + version("flask")[1]!).toBeGreaterThanOrEqual(202);
    expect(version("gevent")[0]).toBeGreaterThanOrEqual(22);
    // The image's history holds the pip step of the generated Dockerfile.
    expect(await docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)).toContain("pip install -r /tmp/fdock/requirements.txt");
  });

  it("an unknown package: the error names pip, the index it tried and the requirement; no new image is tagged", async () => {
    const ex = example();
    await build({ dir: ex.dir, mode: "production", publishHost: "127.0.0.1" }, silentReporter);
    const before = await imageId(`fdock-${ex.name}-gunicorn:latest`);
    appendFileSync(join(ex.dir, "requirements.txt"), "no-such-package-fdock-test==9.9.9\n");
    const e = await failure(build({ dir: ex.dir, mode: "production", publishHost: "127.0.0.1" }, silentReporter));
    expect(e.message).toBe(
      `Installing the app's dependencies failed (pip install of requirements.txt): pip found no distribution for no-such-package-fdock-test==9.9.9 on ${INDEX}.`,
    );
    expect(e.hint).toContain("requirements.txt");
    expect(e.detail).toContain("No matching distribution found for no-such-package-fdock-test==9.9.9");
    // The half-built image is not tagged: the app's image is still the last good build.
    expect(await imageId(`fdock-${ex.name}-gunicorn:latest`)).toBe(before);
    expect(await projectContainers(ex.name)).toEqual([]);
  });

  it("the index unreachable: the error names pip, the index URL and the requirement; nothing is tagged", async () => {
    // The same base image with pip pointed at a port nobody listens on (the build's own loopback).
    const unreachable = "http://127.0.0.1:9/simple";
    const base = `fdock-test-${process.pid}-noindex:latest`;
    const dockerfile = `FROM ${BASE}\nENV PIP_INDEX_URL=${unreachable}\n`;
    const built = await runArgv({ file: "docker", args: ["build", "-q", "-t", base, "-"] }, { input: dockerfile });
    expect(built.exitCode, built.stderr).toBe(0);
    cleanups.push(async () => { await runArgv({ file: "docker", args: ["image", "rm", "-f", base] }); });
    const ex = example();
    writeFileSync(join(ex.dir, "requirements.txt"), "Flask>=2.2\ngunicorn>=20.1\ngevent>=22.10\n");
    const env = { ...process.env, FDOCK_PYTHON_IMAGE: base };
    const e = await failure(build({ dir: ex.dir, mode: "production", publishHost: "127.0.0.1", env }, silentReporter));
    expect(e.message).toBe(
      `Installing the app's dependencies failed (pip install of requirements.txt): pip could not reach the package index ${unreachable} for Flask>=2.2.`,
    );
    expect(e.hint).toContain(`PIP_INDEX_URL in the environment of ${base}`);
    expect(e.detail).toMatch(/Connection refused|Failed to establish a new connection/);
    expect(await runArgv({ file: "docker", args: ["image", "ls", "-q", `fdock-${ex.name}-gunicorn`] }).then((r) => r.stdout.trim())).toBe("");
  });
});
