import { afterAll, describe, expect, it } from "vitest";
import { DockerComposeEnvironment, Wait } from "testcontainers";
import { prepareStack } from "../../src/core/stack/prepare.js";
import { COMPOSE_FILE } from "../../src/core/render/bundle.js";
import { copyExample } from "../helpers/project.js";
import { downLocal, httpGet } from "../helpers/engine.js";

/**
 * Each worker model serves the example app: fdock renders the stack for it, and
 * testcontainers brings it up with compose (the front on a random host port).
 */
describe.each(["sync", "gthread", "gevent"] as const)("the %s worker model", (workerClass) => {
  const ex = copyExample({ workers: { class: workerClass, count: 2, threads: 3 } });
  afterAll(async () => {
    await downLocal(ex.dir); // the images compose built
    ex.cleanup();
  });

  it("serves requests through nginx, with the worker class it was given", async () => {
    const stack = await prepareStack({ dir: ex.dir, mode: "production", port: 0, publishHost: null });
    expect(stack.plan).toMatchObject({ workerClass, workers: 2 });
    await using env = await new DockerComposeEnvironment(stack.compose.bundleDir, COMPOSE_FILE)
      .withProjectName(ex.name)
      .withBuild()
      .withWaitStrategy("front-1", Wait.forHealthCheck())
      .up(["gunicorn", "nginx", "front"]);
    const front = env.getContainer("front-1");
    const base = `http://${front.getHost()}:${front.getMappedPort(80)}`;

    const answers = await Promise.all(Array.from({ length: 6 }, () => httpGet(`${base}/api/io?ms=100`)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(JSON.parse(answers[0]!.body)).toEqual({ slept_ms: 100 });
    expect((await httpGet(`${base}/api/cpu?n=1000`)).status).toBe(200);

    const logs = await new Promise<string>((resolve, reject) => {
      let text = "";
      env.getContainer("gunicorn-1").logs({ tail: 200 }).then((stream) => {
        stream.on("data", (c: Buffer | string) => (text += c.toString()));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
        setTimeout(() => resolve(text), 1500);
      }, reject);
    });
    expect(logs).toContain(`Using worker: ${workerClass === "sync" ? "sync" : workerClass === "gthread" ? "gthread" : "gevent"}`);
    expect(logs.match(/Booting worker with pid/g)?.length).toBe(2);
  });
});
