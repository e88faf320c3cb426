import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utils, type ConnectConfig, type Server } from "ssh2";
import { sshEngineOptions } from "../../src/core/engine/ssh-dial.js";
import { dialStdioServer } from "../helpers/ssh-dial-server.js";

describe("dockerode over SSH", () => {
  let ssh: { server: Server; port: number };
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  beforeAll(async () => {
    ssh = await dialStdioServer();
    process.on("warning", onWarning);
  });
  afterAll(() => {
    process.off("warning", onWarning);
    ssh.server.close();
  });
  const config = (): ConnectConfig => ({
    host: "127.0.0.1",
    port: ssh.port,
    username: "fdock",
    privateKey: utils.generateKeyPairSync("ed25519").private,
    readyTimeout: 10_000,
  });

  it("reaches the engine through `docker system dial-stdio` with no deprecation warning", async () => {
    const docker = new Docker(sshEngineOptions(config()));
    const version = (await docker.version()) as { ApiVersion?: string };
    expect(version.ApiVersion).toMatch(/^\d+\.\d+$/);
    expect((await docker.listContainers({ limit: 1 })).length).toBeLessThanOrEqual(1);
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it("(the cause) docker-modem's own ssh protocol builds an invalid URL that Node warns about", async () => {
    const docker = new Docker({ protocol: "ssh", host: "127.0.0.1", port: ssh.port, username: "fdock", sshOptions: config() });
    await docker.version();
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.message)).toContainEqual(`The URL ssh:127.0.0.1:${ssh.port}127.0.0.1 is invalid. Future versions of Node.js will throw an error.`);
  });
});
