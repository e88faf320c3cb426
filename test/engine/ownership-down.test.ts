import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine } from "../../src/core/engine/engine.js";
import { PrecheckError, UserError } from "../../src/core/errors.js";
import { silentReporter } from "../../src/core/events.js";
import { acquireDeployLock } from "../../src/core/stack/deploy-lock.js";
import { downStack } from "../../src/core/stack/down.js";
import { claimProjectName, ownerVolume, releaseProjectName } from "../../src/core/stack/ownership.js";
import { loadProject } from "../../src/core/project/config-file.js";
import { up, type UpResult } from "../../src/core/stack/up.js";
import { failure } from "../helpers/failure.js";
import { copyExample } from "../helpers/project.js";
import { docker, downLocal, httpGet, projectContainers, upLocal } from "../helpers/engine.js";

/**
 * Two copies of the example with the same `name` on one engine: the second is refused and the
 * first keeps serving. `fdock down` takes the deploy lock and asks before deleting the data.
 */
describe("one project per name on an engine; down takes the lock and asks before deleting data", () => {
  const first = copyExample();
  const second = copyExample({ name: first.name }); // another folder, the same compose project name
  let served: UpResult;
  const volumes = async () => (await docker("volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${first.name}`)).split("\n").filter(Boolean);

  beforeAll(async () => {
    served = await upLocal(first.dir, "production");
  });
  afterAll(async () => {
    await downLocal(first.dir);
    first.cleanup();
    second.cleanup();
  });
  const stillServes = async () => expect((await httpGet(`http://127.0.0.1:${served.port}/healthz`)).status).toBe(200);

  it("a second project with the same name is refused before anything changes; the first keeps serving", async () => {
    const containersBefore = await docker("ps", "-q", "--no-trunc", "--filter", `label=com.docker.compose.project=${first.name}`);
    const e = await failure(up({ dir: second.dir, mode: "production", port: 0, publishHost: "127.0.0.1" }, silentReporter));
    expect(e).toBeInstanceOf(PrecheckError);
    expect(e.message).toContain(`Another project named "${first.name}" is deployed on this engine, from ${first.dir}`);
    expect(e.message).toContain("share its volumes");
    expect(e.hint).toContain("another `name` in fdock.yaml");
    expect(e.hint).toContain(`fdock down\` in ${first.dir}`);
    expect(await docker("ps", "-q", "--no-trunc", "--filter", `label=com.docker.compose.project=${first.name}`)).toBe(containersBefore);
    await stillServes();
    // The deploy lock was released: the owner can deploy again at once.
    await up({ dir: first.dir, mode: "production", port: served.port, publishHost: "127.0.0.1" }, silentReporter);
    await stillServes();
  });

  it("a first deploy that fails keeps its claim on the name only while something of it is left (its data volume)", async () => {
    const broken = copyExample({ release: null });
    try {
      writeFileSync(join(broken.dir, "flask_blog/views.py"), "import no_such_module_anywhere\n");
      await failure(upLocal(broken.dir));
      expect(await projectContainers(broken.name)).toEqual([]);
      const left = (await docker("volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${broken.name}`)).split("\n").filter(Boolean);
      const claimed = (await docker("volume", "ls", "-q", "--filter", `name=${ownerVolume(broken.name)}`)) !== "";
      expect(claimed).toBe(left.length > 0);
      // Once the failed deploy's leftovers are gone, so is the claim.
      await downStack(broken.dir, { volumes: true, yes: true }, silentReporter);
      expect(await docker("volume", "ls", "-q", "--filter", `name=${ownerVolume(broken.name)}`)).toBe("");
    } finally {
      await downLocal(broken.dir);
      broken.cleanup();
    }
  });

  it("`fdock down` from the other project is refused too: it would remove the first one's stack", async () => {
    const e = await failure(downStack(second.dir, { volumes: false }, silentReporter));
    expect(e.message).toContain(`Another project named "${first.name}"`);
    await stillServes();
  });

  it("`fdock down` waits for no deploy: while a deploy holds the lock it is refused and nothing stops", async () => {
    const docker_ = await connectEngine();
    const lock = await acquireDeployLock(docker_, first.name);
    try {
      const e = await failure(downStack(first.dir, { volumes: false }, silentReporter));
      expect(e.message).toMatch(/Another fdock deploy of .* is in progress/);
      await stillServes();
    } finally {
      await lock.release();
    }
  });

  it("`down -v` where nobody can answer needs --yes; a no at the prompt keeps everything", async () => {
    const before = await volumes();
    expect(before.length).toBeGreaterThan(0);
    const e = await failure(downStack(first.dir, { volumes: true }, silentReporter));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain("deletes the app's data");
    expect(e.hint).toContain("--yes");
    const asked: string[] = [];
    expect(await downStack(first.dir, { volumes: true, confirm: async (q) => (asked.push(q), false) }, silentReporter)).toBe(false);
    expect(asked[0]).toMatch(/Delete the volumes of .*instance/);
    expect(await volumes()).toEqual(before);
    await stillServes();
  });

  it("`down -v --yes` removes the stack, its data and its claim on the name: another project may take the name", async () => {
    const docker_ = await connectEngine();
    expect(await downStack(first.dir, { volumes: true, yes: true }, silentReporter)).toBe(true);
    expect(await projectContainers(first.name)).toEqual([]);
    expect(await volumes()).toEqual([]);
    expect(await docker_.getVolume(ownerVolume(first.name)).inspect().then(() => true, () => false)).toBe(false);
    expect(await docker("network", "ls", "-q", "--filter", `name=fdock-deploy-lock-${first.name}`)).toBe("");
    await claimProjectName(docker_, loadProject(second.dir));
    await releaseProjectName(docker_, first.name);
    expect(existsSync(join(first.dir, ".fdock"))).toBe(true);
  });
});
