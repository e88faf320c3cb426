import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedEnvs } from "../helpers/machine-env.js";
import { silentReporter } from "../../src/core/events.js";
import { activeMachine, envScript, resolveRemote, unsetScript } from "../../src/core/machine/active.js";
import { createMachine } from "../../src/core/machine/create.js";
import { drivers } from "../../src/core/machine/drivers/index.js";
import { defaultCoreOptions } from "../../src/core/machine/driver.js";
import { MachineStore } from "../../src/core/machine/store.js";
import { powerMachine } from "../../src/core/machine/power.js";
import { removeMachine } from "../../src/core/machine/remove.js";

const env = isolatedEnvs("fdock-core-");

describe("machine create (fake driver)", () => {
  it("saves the machine before and after the driver's create, so a failed create is never orphaned", async () => {
    const e = env();
    await expect(createMachine({ name: "web", driver: "fake", flags: { "fake-fail-create": true }, noProvision: true, env: e }, silentReporter)).rejects.toMatchObject({
      message: "the fake provider failed after making the host",
      hint: expect.stringContaining("fdock machine rm web"),
    });
    const saved = new MachineStore(e).load("web");
    expect(saved).toMatchObject({ name: "web", driver: "fake", state: "error", driverData: { state: "Running" } });
  });

  it("records a machine with --no-provision, and refuses the same name twice", async () => {
    const e = env();
    // No provisioning: no SSH; the Docker context is still written (docker CLI with this DOCKER_CONFIG).
    const r = await createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    expect(r).toMatchObject({ state: "created", context: "fdock-web" });
    await expect(createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter)).rejects.toThrow(/already exists/);
  });

  it("follows a new address after start: store and ssh entry", async () => {
    const e = env();
    await createMachine({ name: "web", driver: "fake", flags: { "fake-ip": "192.0.2.10", "fake-ip-after-start": "192.0.2.20" }, noProvision: true, env: e }, silentReporter);
    await powerMachine("web", "stop", e, silentReporter);
    const events: string[] = [];
    await powerMachine("web", "start", e, { emit: (ev) => ev.kind === "info" && events.push(ev.message) });
    expect(new MachineStore(e).load("web").ssh?.host).toBe("192.0.2.20");
    const sshConfig = readFileSync(join(e.FDOCK_HOME!, "ssh_config"), "utf8");
    expect(sshConfig).toContain("HostName 192.0.2.20");
    expect(sshConfig).not.toContain("192.0.2.10");
    expect(events.join("\n")).toContain("now answers at 192.0.2.20 (was 192.0.2.10)");
  });

  it("rm --dry-run lists what it would remove and removes nothing", async () => {
    const e = env();
    await createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    const r = await removeMachine("web", { force: false, dryRun: true, env: e }, silentReporter);
    expect(r.removed).toEqual(expect.arrayContaining(["Docker context fdock-web", "ssh entry fdock-web"]));
    expect(new MachineStore(e).exists("web")).toBe(true);
    expect(readFileSync(join(e.FDOCK_HOME!, "ssh_config"), "utf8")).toContain("Host fdock-web");
  });

  it("makes nothing on --dry-run, and prints the driver's plan", async () => {
    const e = env();
    const said: string[] = [];
    const reporter = { emit: (ev: { kind: string; message?: string }) => void (ev.kind === "info" && said.push(ev.message!)) };
    const r = await createMachine({ name: "web", driver: "fake", flags: { "fake-ip": "192.0.2.10" }, dryRun: true, env: e }, reporter as never);
    expect(r.dryRun).toBe(true);
    expect(new MachineStore(e).exists("web")).toBe(false);
    expect(said[0]).toMatch(/^would pretend to make a host at 192\.0\.2\.10/);
  });

  it("has one registry entry per driver, named as its key, whose loader gives a driver that plans", async () => {
    const e = env();
    const key = join(e.HOME!, "id_ed25519");
    const flags: Record<string, Record<string, string>> = { generic: { "generic-ip-address": "192.0.2.10", "generic-ssh-key": key }, fake: {} };
    for (const [name, entry] of Object.entries(drivers)) {
      expect(entry.name).toBe(name);
      expect(entry.flags.length).toBeGreaterThan(0);
      const factory = await entry.load();
      if (name === "amazonec2") continue; // its plan needs AWS: test/aws/amazonec2-moto.test.ts plans against moto
      const driver = await factory.fromFlags(flags[name]!, e, defaultCoreOptions);
      const ctx = { name: "web", dir: join(e.FDOCK_HOME!, "machines", "web"), reporter: silentReporter, checkpoint: async () => {}, signal: new AbortController().signal };
      expect((await driver.plan(ctx)).join("\n")).toMatch(/192\.0\.2\.1/);
      expect(new MachineStore(e).exists("web")).toBe(false);
    }
    expect(Object.entries(drivers).filter(([, d]) => d.hidden).map(([n]) => n)).toEqual(["fake"]);
  });
});

describe("env, env -u and the active machine", () => {
  it("exports DOCKER_CONTEXT and FDOCK_MACHINE_NAME, unsetting a DOCKER_HOST that would win", async () => {
    const e = env({ DOCKER_HOST: "tcp://old:2376" });
    new MachineStore(e).save({ version: 1, name: "web", driver: "fake", driverData: {}, ssh: null, state: "ready", createdAt: "" });
    expect(envScript("web", "bash", e)).toBe([
      "unset DOCKER_HOST",
      'export DOCKER_CONTEXT="fdock-web"',
      'export FDOCK_MACHINE_NAME="web"',
      "# Run this command to point this shell's docker, compose and fdock at machine web:",
      "# eval $(fdock env web)",
      "",
    ].join("\n"));
    expect(envScript("web", "fish", e)).toContain('set -gx DOCKER_CONTEXT "fdock-web";');
    expect(envScript("web", "powershell", e)).toContain('$Env:DOCKER_CONTEXT = "fdock-web"');
    expect(unsetScript("bash")).toMatch(/^unset DOCKER_CONTEXT\nunset FDOCK_MACHINE_NAME\n/);
    expect(() => envScript("nope", "bash", e)).toThrow(/no machine named "nope"/);
  });

  it("follows docker's precedence: DOCKER_HOST, then the env exports, then `docker context use`", () => {
    expect(activeMachine(env({ FDOCK_MACHINE_NAME: "web" }))).toEqual({ name: "web", source: "FDOCK_MACHINE_NAME" });
    expect(activeMachine(env({ DOCKER_CONTEXT: "fdock-db" }))).toEqual({ name: "db", source: "DOCKER_CONTEXT" });
    expect(activeMachine(env({ DOCKER_HOST: "unix:///x", FDOCK_MACHINE_NAME: "web" })).name).toBeNull();
    expect(activeMachine(env()).name).toBeNull();
    expect(() => resolveRemote(undefined, env())).toThrow(/no machine is active/);
  });
});
