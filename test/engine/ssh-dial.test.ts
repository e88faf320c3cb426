import Docker from "dockerode";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectConfig, Server } from "ssh2";
import { CHANNELS_PER_CONNECTION, SshDialAgent, sshEngineOptions } from "../../src/core/engine/ssh-dial.js";
import { dialStdioServer } from "../helpers/ssh-dial-server.js";
import { throwawaySshKey } from "../helpers/ssh-key.js";

const agentOf = (docker: Docker) => (docker.modem as unknown as { agent: SshDialAgent }).agent;

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
    privateKey: throwawaySshKey(),
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

  it("shares one SSH connection between many API calls, and one channel between calls made one after another", async () => {
    const before = ssh.connections();
    const docker = new Docker(sshEngineOptions(config()));
    for (let i = 0; i < 12; i++) await docker.ping();
    // HTTP keep-alive: the host runs `docker system dial-stdio` once for the twelve.
    expect(agentOf(docker).channelsOpened).toBe(1);
    await Promise.all(Array.from({ length: CHANNELS_PER_CONNECTION }, () => docker.version()));
    expect(agentOf(docker).channelsOpened).toBe(CHANNELS_PER_CONNECTION);
    expect(ssh.connections() - before).toBe(1);
    expect(agentOf(docker).connectionsOpened).toBe(1);
    agentOf(docker).close();
  });

  it("opens another connection when more calls run at once than one connection carries", async () => {
    const docker = new Docker(sshEngineOptions(config()));
    const versions = await Promise.all(Array.from({ length: CHANNELS_PER_CONNECTION + 3 }, () => docker.version()));
    expect(versions).toHaveLength(CHANNELS_PER_CONNECTION + 3);
    expect(agentOf(docker).connectionsOpened).toBe(2);
    agentOf(docker).close();
  });

  it("serves every call from a server that allows fewer channels per connection (MaxSessions 2)", async () => {
    const strict = await dialStdioServer({ maxSessions: 2 });
    try {
      const docker = new Docker(sshEngineOptions({ ...config(), port: strict.port }));
      const pings = await Promise.all(Array.from({ length: 5 }, () => docker.ping()));
      expect(pings.map(String)).toEqual(Array(5).fill("OK"));
      expect(strict.connections()).toBeGreaterThanOrEqual(2);
      agentOf(docker).close();
    } finally {
      strict.server.close();
    }
  });

  it("an idle SSH connection does not keep a process alive: it exits once its calls are done", async () => {
    const key = throwawaySshKey();
    const root = resolve(import.meta.dirname, "../..");
    // Node runs the agent's TypeScript source as it is (type stripping): the same code, in a child.
    const script = [
      `import Docker from "dockerode";`,
      `import { sshEngineOptions } from ${JSON.stringify(join(root, "src/core/engine/ssh-dial.ts"))};`,
      `const docker = new Docker(sshEngineOptions({ host: "127.0.0.1", port: ${ssh.port}, username: "fdock", privateKey: process.env.KEY, keepaliveInterval: 15000 }));`,
      `await docker.ping();`,
      `console.log("pinged");`,
    ].join("\n");
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: root, env: { ...process.env, KEY: key } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(out).toContain("pinged");
    expect(code, out).toBe(0);
    // Functional bound: well under the 10 s an idle connection would otherwise stay open.
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it("a call after the idle connection was closed opens a new one and is answered: the process waits for it", async () => {
    const key = throwawaySshKey();
    const root = resolve(import.meta.dirname, "../..");
    // The idle close shortened to 300 ms: the second call comes after it, onto channels the agent kept.
    const script = [
      `import Docker from "dockerode";`,
      `import { sshEngineOptions } from ${JSON.stringify(join(root, "src/core/engine/ssh-dial.ts"))};`,
      `const docker = new Docker(sshEngineOptions({ host: "127.0.0.1", port: ${ssh.port}, username: "fdock", privateKey: process.env.KEY }, { idleCloseMs: 300 }));`,
      `await Promise.all([docker.ping(), docker.version()]);`,
      `await new Promise((r) => setTimeout(r, 1000));`,
      `const v = await docker.version();`,
      `console.log("answered after the idle close:", typeof v.ApiVersion, docker.modem.agent.connectionsOpened);`,
    ].join("\n");
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: root, env: { ...process.env, KEY: key } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, out).toBe(0);
    expect(out).toContain("answered after the idle close: string 2");
  });

  it("(the cause) docker-modem's own ssh protocol builds an invalid URL that Node warns about", async () => {
    const docker = new Docker({ protocol: "ssh", host: "127.0.0.1", port: ssh.port, username: "fdock", sshOptions: config() });
    await docker.version();
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.message)).toContainEqual(`The URL ssh:127.0.0.1:${ssh.port}127.0.0.1 is invalid. Future versions of Node.js will throw an error.`);
  });
});
