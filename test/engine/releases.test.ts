import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentReporter } from "../../src/core/events.js";
import { KEEP_RELEASES, releasesOf } from "../../src/core/stack/releases.js";
import { rollback } from "../../src/core/stack/rollback.js";
import { up } from "../../src/core/stack/up.js";
import { docker, downLocal, httpGet, removeProjectImages } from "../helpers/engine.js";
import { failure } from "../helpers/failure.js";
import { keepAsking } from "../helpers/keep-asking.js";
import { copyExample } from "../helpers/project.js";

/** Releases live on the engine; rollback goes back to one through the same gap-free path. */
describe("releases and rollback (real engine)", () => {
  const ex = copyExample();
  const opts = { dir: ex.dir, mode: "production" as const, port: 0, publishHost: "127.0.0.1" };
  let base: string;
  const deploy = async (version: string) => {
    const file = join(ex.dir, "flask_blog/version.py");
    writeFileSync(file, readFileSync(file, "utf8").replace(/VERSION = ".*"/, `VERSION = "${version}"`));
    return up(opts, silentReporter);
  };
  const served = async () => JSON.parse((await httpGet(`${base}/api/version`)).body).version as string;
  const imageExists = (id: string) => docker("image", "inspect", id).then(() => true, () => false);

  beforeAll(async () => {
    const first = await up(opts, silentReporter);
    base = `http://127.0.0.1:${first.port}`;
  });
  afterAll(async () => {
    await downLocal(ex.dir);
    await removeProjectImages(ex.name);
    ex.cleanup();
  });

  it("records each successful production deploy as a release, the current one marked", async () => {
    const second = await deploy("2");
    const releases = await releasesOf(ex.dir);
    expect(releases).toHaveLength(2);
    expect(releases[0]!.id).toBe(second.release);
    expect(releases.map((r) => r.current)).toEqual([true, false]);
    expect(releases[0]!.images.gunicorn).not.toBe(releases[1]!.images.gunicorn);
    // Not a git repository: no commit.
    expect(releases[0]!.commit).toBeNull();
    expect(await docker("image", "inspect", "-f", "{{.Id}}", `fdock-${ex.name}-gunicorn:${second.release}`)).toBe(releases[0]!.images.gunicorn);
    // Nothing changed: no new release.
    await up(opts, silentReporter);
    expect(await releasesOf(ex.dir)).toHaveLength(2);
  });

  it("rolls back to the previous release without a gap and without a build", async () => {
    const [, previous] = await releasesOf(ex.dir);
    let output = "";
    const asking = keepAsking(`${base}/api/version`);
    const result = await rollback({ ...opts, onOutput: (t) => (output += t) }, silentReporter);
    const statuses = await asking.stop();
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(result.release.id).toBe(previous!.id);
    expect(await served()).toBe("1");
    // The release's own image serves: nothing was built.
    const gunicorn = await docker("ps", "-q", "--filter", `label=com.docker.compose.project=${ex.name}`, "--filter", "label=com.docker.compose.service=gunicorn");
    expect(await docker("inspect", "-f", "{{.Image}}", gunicorn)).toBe(previous!.images.gunicorn);
    expect(output).not.toMatch(/load build definition|Building/);
    const releases = await releasesOf(ex.dir);
    expect(releases.find((r) => r.current)?.id).toBe(previous!.id);
    // And there is no release before the first one.
    const e = await failure(rollback(opts, silentReporter));
    expect(e.message).toBe("There is no release before the one serving.");
  });

  it(`keeps only the last ${KEEP_RELEASES} releases and removes older ones' images`, async () => {
    const [, oldest] = await releasesOf(ex.dir);
    for (const v of ["3", "4", "5", "6"]) await deploy(v);
    const releases = await releasesOf(ex.dir);
    expect(releases).toHaveLength(KEEP_RELEASES);
    expect(releases[0]!.current).toBe(true);
    expect(releases.map((r) => r.id)).not.toContain(oldest!.id);
    expect(await imageExists(oldest!.images.gunicorn)).toBe(false);
    expect(await imageExists(`fdock-${ex.name}-release:${oldest!.id}`)).toBe(false);
    for (const r of releases) expect(await imageExists(r.images.gunicorn)).toBe(true);
    expect(await served()).toBe("6");
  });
});
