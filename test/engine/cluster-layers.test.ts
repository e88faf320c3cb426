import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distributeImages, type BuiltImage } from "../../src/core/cluster/deploy/images.js";
import { runArgv } from "../../src/core/exec.js";
import { docker } from "../helpers/engine.js";
import { startSecondEngine, type SecondEngine } from "../helpers/second-engine.js";

/**
 * What a cluster's manager sends its other nodes: the local engine plays the manager, a second
 * real engine (same dockerd, its own store, see test/helpers/second-engine.ts) the node. After a
 * code-only change the node gets an archive without the layers it has, loads it under the
 * manager's image ID and runs it; an engine that cannot take such an archive gets whole images.
 */
const PYTHON = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
const NGINX = process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable";
const repo = `fdock-test-layers-${process.pid}-gunicorn`;
const DEPS = 20_000_000;
const local = new Docker();
/** The manager (this engine) and a node as fdock reaches them: the API, and the docker CLI's arguments. */
const manager = { docker: local, dockerArgs: [] as string[], env: process.env };
const asNode = (name: string, engine: SecondEngine) => ({ name, docker: engine.docker, dockerArgs: ["-H", engine.host], env: process.env });
const ctx = mkdtempSync(join(tmpdir(), "fdock-layers-"));

/** An image like fdock's gunicorn image: the base, a dependency layer, then the code. */
async function build(version: string): Promise<BuiltImage & { layers: string[] }> {
  writeFileSync(join(ctx, "Dockerfile"), `FROM ${PYTHON}\nRUN head -c ${DEPS} /dev/urandom > /deps.bin\nCOPY app.py /app/app.py\n`);
  writeFileSync(join(ctx, "app.py"), `print("version ${version}")\n`);
  const ref = `${repo}:${version}`;
  const r = await runArgv({ file: "docker", args: ["build", "-q", "-t", ref, ctx] }, { timeoutMs: 300_000 });
  expect(r.exitCode, r.stderr).toBe(0);
  const x = (await local.getImage(ref).inspect()) as { Id: string; RootFS: { Layers: string[] } };
  return { ref, id: x.Id, layers: x.RootFS.Layers };
}

/** Runs the image on the node; what it printed. */
async function runOn(node: SecondEngine, ref: string): Promise<string> {
  const r = await runArgv({ file: "docker", args: ["-H", node.host, "run", "--rm", "--network", "none", ref, "python3", "/app/app.py"] }, { timeoutMs: 120_000 });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe("images sent to a node: only the layers it lacks", () => {
  let node: SecondEngine;
  let v1: Awaited<ReturnType<typeof build>>;
  let v2: Awaited<ReturnType<typeof build>>;
  let firstBytes = 0;

  beforeAll(async () => {
    node = await startSecondEngine();
    v1 = await build("1");
    v2 = await build("2");
  });
  afterAll(async () => {
    await node?.stop();
    await docker("image", "rm", "-f", `${repo}:1`, `${repo}:2`).catch(() => undefined);
    rmSync(ctx, { recursive: true, force: true });
  });

  it("sends the whole image to a node that has none of it, which then has it under the manager's ID", async () => {
    const [copy] = await distributeImages(manager, [asNode("n1", node)], [v1]);
    expect(copy).toMatchObject({ machine: "n1", copied: [v1.ref] });
    expect(copy!.images[0]).toMatchObject({ layers: v1.layers.length, sentLayers: v1.layers.length, alreadyBytes: 0 });
    expect(copy!.images[0]!.note).toBeUndefined();
    firstBytes = copy!.bytes;
    expect(firstBytes).toBeGreaterThan(DEPS);
    expect(((await node.docker.getImage(v1.ref).inspect()) as { Id: string }).Id).toBe(v1.id);
    // Already there: nothing is sent again.
    const [again] = await distributeImages(manager, [asNode("n1", node)], [v1]);
    expect(again).toMatchObject({ copied: [], bytes: 0 });
  });

  it("after a code-only change, sends only the new code layer; the node loads it as the manager's image and runs it", async () => {
    expect(v2.layers.slice(0, -1)).toEqual(v1.layers.slice(0, -1));
    const [copy] = await distributeImages(manager, [asNode("n1", node)], [v2]);
    const sent = copy!.images[0]!;
    expect(sent).toMatchObject({ ref: v2.ref, layers: v2.layers.length, sentLayers: 1 });
    expect(sent.note).toBeUndefined();
    // What was sent is less than the smallest unchanged layer that matters (the dependencies), and
    // a hundredth of the first copy; what was left out is the rest of it.
    expect(sent.bytes).toBeLessThan(DEPS);
    expect(sent.bytes).toBeLessThan(firstBytes / 100);
    expect(sent.alreadyBytes).toBeGreaterThan(firstBytes * 0.99 - sent.bytes);
    expect(((await node.docker.getImage(v2.ref).inspect()) as { Id: string }).Id).toBe(v2.id);
    expect(await runOn(node, v2.ref)).toBe("version 2");
  });

  it("with the app's image as helper, filters on the manager: the same one layer sent, nothing left running there", async () => {
    const v3 = await build("3");
    try {
      const [copy] = await distributeImages(manager, [asNode("n1", node)], [v3], undefined, PYTHON);
      const sent = copy!.images[0]!;
      expect(sent).toMatchObject({ ref: v3.ref, layers: v3.layers.length, sentLayers: 1 });
      expect(sent.note).toBeUndefined();
      expect(sent.bytes).toBeLessThan(firstBytes / 100);
      expect(sent.alreadyBytes).toBeGreaterThan(firstBytes * 0.99 - sent.bytes);
      expect(await runOn(node, v3.ref)).toBe("version 3");
      // The helper container (provision/thin-save.py) removed itself.
      expect((await docker("ps", "-a", "-q", "--filter", "label=fdock.helper")).trim()).toBe("");
      // A helper image without Python: the archive is filtered here instead, with the same result.
      await runArgv({ file: "docker", args: ["-H", node.host, "image", "rm", "-f", v3.ref] });
      const [again] = await distributeImages(manager, [asNode("n1", node)], [v3], undefined, NGINX);
      expect(again!.images[0]).toMatchObject({ sentLayers: 1 });
      expect(again!.images[0]!.note).toBeUndefined();
      expect(await runOn(node, v3.ref)).toBe("version 3");
    } finally {
      await docker("image", "rm", "-f", v3.ref).catch(() => undefined);
      await runArgv({ file: "docker", args: ["-H", node.host, "image", "rm", "-f", v3.ref] });
    }
  });

  it("a node whose load fails is cut off from the manager's archive: the other node of the same archive still gets the image", async () => {
    // A code layer of 4 MB: more than the pipes between the archive and a dead load can hold, so
    // a node left attached would stop the archive for the other one.
    writeFileSync(join(ctx, "big.txt"), "x".repeat(4_000_000));
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${PYTHON}\nRUN head -c ${DEPS} /dev/urandom > /deps.bin\nCOPY app.py /app/app.py\nCOPY big.txt /app/big.txt\n`);
    writeFileSync(join(ctx, "app.py"), `print("version 4")\n`);
    const ref = `${repo}:4`;
    expect((await runArgv({ file: "docker", args: ["build", "-q", "-t", ref, ctx] }, { timeoutMs: 300_000 })).exitCode).toBe(0);
    const id = ((await local.getImage(ref).inspect()) as { Id: string }).Id;
    // The same engine twice: once as itself, once behind a docker CLI that cannot reach it.
    const unreachable = { ...asNode("n9", node), dockerArgs: ["-H", `unix://${join(ctx, "no-engine.sock")}`] };
    try {
      await expect(distributeImages(manager, [unreachable, asNode("n1", node)], [{ ref, id }], undefined, PYTHON)).rejects.toThrow(/Copying image .* to machine "n9" failed/);
      expect(((await node.docker.getImage(ref).inspect()) as { Id: string }).Id).toBe(id);
      expect(await runOn(node, ref)).toBe("version 4");
      expect((await docker("ps", "-a", "-q", "--filter", "label=fdock.helper")).trim()).toBe("");
    } finally {
      await docker("image", "rm", "-f", ref).catch(() => undefined);
      await runArgv({ file: "docker", args: ["-H", node.host, "image", "rm", "-f", ref] });
    }
  });

  it("sends the whole image, and says why, to a node that refuses an archive without layers it seemed to have", async () => {
    // The fault: the node loses the layers between fdock's look and the load (an image removed meanwhile).
    await runArgv({ file: "docker", args: ["-H", node.host, "image", "rm", "-f", v1.ref, v2.ref] });
    const seemed = async () => v2.layers.length - 1;
    const [copy] = await distributeImages(manager, [asNode("n1", node)], [v2], { layersOnNode: seemed });
    const sent = copy!.images[0]!;
    expect(sent.note).toMatch(/refused the archive without the layers it seemed to have \(.*no such file or directory.*\): the whole image was sent/);
    expect(sent).toMatchObject({ sentLayers: v2.layers.length, alreadyBytes: 0 });
    expect(((await node.docker.getImage(v2.ref).inspect()) as { Id: string }).Id).toBe(v2.id);
    expect(await runOn(node, v2.ref)).toBe("version 2");
  });

  it("sends whole images to a node whose engine keeps images in containerd's store, and says so", async () => {
    await using other = await startSecondEngine({ containerdStore: true });
    const first = await distributeImages(manager, [asNode("n2", other)], [v1]);
    expect(first[0]!.images[0]!.note).toBe("n2's engine uses the containerd image store");
    const [copy] = await distributeImages(manager, [asNode("n2", other)], [v2]);
    expect(copy!.images[0]).toMatchObject({ sentLayers: v2.layers.length, alreadyBytes: 0, note: "n2's engine uses the containerd image store" });
    expect(copy!.bytes).toBeGreaterThan(DEPS);
    expect(await runOn(other, v2.ref)).toBe("version 2");
    // Its store names the image by a manifest digest: the same layers under the content tag count as having it.
    const [again] = await distributeImages(manager, [asNode("n2", other)], [v2]);
    expect(again).toMatchObject({ copied: [], bytes: 0 });
  });
});
