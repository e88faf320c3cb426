/** The decisions the CLI used to make itself, now core functions it calls (see src/cli/commands/). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { isolatedEnvs } from "../helpers/machine-env.js";
import { silentReporter } from "../../src/core/events.js";
import { createMachine } from "../../src/core/machine/create.js";
import { driverFlagValues } from "../../src/core/machine/create-flags.js";
import { listMachines } from "../../src/core/machine/describe.js";
import { removeMachines } from "../../src/core/machine/remove-machines.js";
import { scpArgv, sshArgv } from "../../src/core/machine/ssh-commands.js";
import { MachineStore } from "../../src/core/machine/store.js";
import { deployOptions, engineTarget } from "../../src/core/stack/engine-target.js";
import type { RemoteEngine } from "../../src/core/machine/remote.js";
import { printTable } from "../../src/cli/output.js";

const env = isolatedEnvs("fdock-policy-");

describe("which engine a stack command targets", () => {
  it("refuses a local run while the shell points Docker at a machine, and says how to point it back", async () => {
    await expect(engineTarget(undefined, env({ DOCKER_CONTEXT: "fdock-web" }))).rejects.toMatchObject({
      message: expect.stringContaining("Docker points at machine web (DOCKER_CONTEXT)"),
      hint: expect.stringContaining("fdock env -u"),
    });
  });

  it("runs locally when nothing points elsewhere, and asks for a machine when --remote has none", async () => {
    expect(await engineTarget(false, env())).toBeNull();
    await expect(engineTarget(true, env())).rejects.toThrow(/--remote needs a machine/);
  });

  it("deploys production on port 80 to a machine, on loopback here", () => {
    const target = { name: "web", host: "203.0.113.10", dockerArgs: ["--context", "fdock-web"], env: {} } as unknown as RemoteEngine;
    expect(deployOptions(target, { dir: "/app", production: false })).toMatchObject({ mode: "production", port: 80, publishHost: null, remoteHost: "203.0.113.10", machine: "web" });
    expect(deployOptions(target, { dir: "/app", production: false, port: 8081 }).port).toBe(8081);
    expect(deployOptions(null, { dir: "/app", production: false })).toEqual({ dir: "/app", mode: "development", port: undefined, publishHost: "127.0.0.1", onOutput: undefined });
  });
});

describe("machine commands' policy", () => {
  it("takes the chosen driver's flags and names the driver a stray flag belongs to", () => {
    expect(driverFlagValues("fake", { fakeIp: "192.0.2.9" })).toMatchObject({ "fake-ip": "192.0.2.9" });
    expect(() => driverFlagValues("generic", { fakeIp: "x" })).toThrow("--fake-ip belongs to the fake driver, not generic.");
    expect(() => driverFlagValues("nope", {})).toThrow('There is no driver named "nope".');
  });

  it("lists a machine whose create did not finish as Running (created), and an unreadable one as Error", async () => {
    const e = env();
    await createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    const store = new MachineStore(e);
    store.ensureDir("bad");
    writeFileSync(store.configPath("bad"), "{not json");
    const rows = await listMachines(e);
    expect(rows.find((r) => r.name === "web")).toMatchObject({ driver: "fake", state: "Running (created)", url: "ssh://fdock-web", active: false });
    expect(rows.find((r) => r.name === "bad")).toMatchObject({ driver: "?", state: "Error" });
  });

  it("asks before removing, refuses where nobody can answer, and removes nothing on no", async () => {
    const e = env();
    await createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    const opts = { yes: false, force: false, dryRun: false };
    await expect(removeMachines(["web"], opts, e, silentReporter)).rejects.toMatchObject({ message: "Removing web needs confirmation.", hint: "Pass -y to remove without asking." });
    const no = vi.fn(async () => false);
    expect(await removeMachines(["web"], { ...opts, confirm: no }, e, silentReporter)).toBeNull();
    expect(no).toHaveBeenCalledWith(expect.stringContaining("Remove web?"));
    expect(new MachineStore(e).exists("web")).toBe(true);
    await expect(removeMachines(["web", "ghost"], { ...opts, yes: true }, e, silentReporter)).rejects.toThrow(/ghost/);
    expect(new MachineStore(e).exists("web")).toBe(true); // every name is checked before anything is removed
  });

  it("builds ssh and scp argv with fdock's ssh config, once the host key is pinned", async () => {
    const e = env();
    await createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    expect(() => sshArgv("web", [], e)).toThrow(/no pinned host key/);
    writeFileSync(join(new MachineStore(e).dir("web"), "known_hosts"), "");
    expect(sshArgv("web", [], e).args).toEqual(["-F", expect.any(String), "-t", "fdock-web"]);
    expect(sshArgv("web", ["docker", "ps"], e).args.slice(2)).toEqual(["fdock-web", "docker", "ps"]);
    expect(scpArgv("./a.sql", "web:/tmp/", { recursive: true }, e).args.slice(2)).toEqual(["-r", "--", "./a.sql", "fdock-web:/tmp/"]);
  });
});

describe("the table printer", () => {
  it("pads columns to their widest cell, gap spaces apart, with no trailing spaces", () => {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    try {
      printTable([["NAME", "STATE"], ["web", "Running"], ["a-long-name", "-"]]);
      printTable([["", "ID"], ["*", "1"]], 2);
    } finally {
      spy.mockRestore();
    }
    expect(chunks.join("")).toBe("NAME          STATE\nweb           Running\na-long-name   -\n   ID\n*  1\n");
  });
});
