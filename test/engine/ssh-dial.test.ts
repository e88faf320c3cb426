import Docker from "dockerode";
import { connect as connectSocket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Server, utils, type ConnectConfig } from "ssh2";
import { sshEngineOptions } from "../../src/core/engine/ssh-dial.js";

/**
 * An SSH server in this process whose `docker system dial-stdio` connects to the local engine's
 * socket, as the docker CLI on a machine does: dockerode talks to a real engine over real SSH.
 */
function dialStdioServer(): Promise<{ server: Server; port: number }> {
  const hostKey = utils.generateKeyPairSync("ed25519").private;
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on("authentication", (ctx) => ctx.accept());
    client.on("error", () => undefined);
    client.on("session", (accept) => {
      accept().on("exec", (acceptExec, _reject, info) => {
        const channel = acceptExec();
        if (info.command !== "docker system dial-stdio") {
          channel.exit(127);
          channel.end();
          return;
        }
        const engine = connectSocket("/var/run/docker.sock");
        channel.pipe(engine).pipe(channel);
        engine.on("close", () => { channel.exit(0); channel.end(); });
        channel.on("close", () => engine.destroy());
      });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

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
