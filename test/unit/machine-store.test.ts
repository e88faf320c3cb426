import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/core/machine/atomic-file.js";
import { MachineLockedError, withMachineLock } from "../../src/core/machine/lock.js";
import { isValidMachineName, validateMachineName } from "../../src/core/machine/names.js";
import { CONFIG_VERSION, MachineStore, UnknownMachineError, type MachineConfig } from "../../src/core/machine/store.js";

const temps: string[] = [];
function home(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "fdock-store-"));
  temps.push(dir);
  return { FDOCK_HOME: dir, HOME: dir };
}
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = (name: string, state: MachineConfig["state"] = "ready"): MachineConfig => ({
  version: CONFIG_VERSION, name, driver: "fake", driverData: { ip: "192.0.2.1" }, ssh: null, state, createdAt: "2026-01-01T00:00:00.000Z",
});

describe("atomic writes", () => {
  it("leaves the old file whole when the writer dies before the rename, and no temp file behind", () => {
    const env = home();
    const path = join(env.FDOCK_HOME!, "config.json");
    writeFileAtomic(path, "old\n");
    expect(() => writeFileAtomic(path, "new and longer\n", { beforeRename: () => { throw new Error("crash"); } })).toThrow("crash");
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(env.FDOCK_HOME!)).toEqual(["config.json"]);
  });

  it("leaves the old file whole when the process is killed mid-write", () => {
    const env = home();
    const path = join(env.FDOCK_HOME!, "config.json");
    writeFileAtomic(path, "old\n");
    // A real crash: a child process writes through writeFileAtomic and is killed (SIGKILL) between write and rename.
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(join(import.meta.dirname, "../../src/core/machine/atomic-file.ts"))};
      writeFileAtomic(${JSON.stringify(path)}, "x".repeat(1 << 20), { beforeRename: () => process.kill(process.pid, "SIGKILL") });
    `;
    const r = spawnSync(process.execPath, ["--experimental-strip-types", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.signal).toBe("SIGKILL");
    expect(readFileSync(path, "utf8")).toBe("old\n");
  });

  it("writes files 0600 and folders 0700", () => {
    const env = home();
    const store = new MachineStore(env);
    store.save(config("web"));
    expect(statSync(store.configPath("web")).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir("web")).mode & 0o777).toBe(0o700);
    expect(statSync(join(env.FDOCK_HOME!, "machines")).mode & 0o777).toBe(0o700);
  });
});

describe("machine store", () => {
  it("saves, lists, loads and removes machines", () => {
    const store = new MachineStore(home());
    store.save(config("web"));
    store.save(config("db.1", "creating"));
    expect(store.list().map((c) => c.name)).toEqual(["db.1", "web"]);
    expect(store.load("web")).toEqual(config("web"));
    store.remove("web");
    expect(store.exists("web")).toBe(false);
    expect(() => store.load("web")).toThrow(UnknownMachineError);
  });

  it("names the next step for an unknown machine", () => {
    const store = new MachineStore(home());
    expect(() => store.load("nope")).toThrow(expect.objectContaining({ hint: expect.stringContaining("fdock machine ls") }));
  });

  it("refuses a config written by a newer fdock", () => {
    const store = new MachineStore(home());
    store.save(config("web"));
    writeFileSync(store.configPath("web"), JSON.stringify({ ...config("web"), version: 99 }));
    expect(() => store.load("web")).toThrow(/config version 99/);
  });
});

describe("machine names", () => {
  it("follows docker-machine's rule", () => {
    for (const ok of ["web", "web-1", "a.b", "1st"]) expect(isValidMachineName(ok), ok).toBe(true);
    for (const bad of ["", "-web", ".web", "web_1", "we b", "a/b", "x".repeat(64)]) expect(isValidMachineName(bad), bad).toBe(false);
    expect(() => validateMachineName("web_1")).toThrow(/not a valid machine name/);
  });
});

describe("machine lock", () => {
  it("refuses a second holder while the first works, and frees the lock after", async () => {
    const env = home();
    let inner: unknown;
    await withMachineLock("web", env, async () => {
      inner = await withMachineLock("web", env, async () => "got it").catch((e: unknown) => e);
    });
    expect(inner).toBeInstanceOf(MachineLockedError);
    expect(await withMachineLock("web", env, async () => "free again")).toBe("free again");
    expect(existsSync(join(env.FDOCK_HOME!, "locks", "web.lock"))).toBe(false);
  });

  it("takes over a stale lock whose process is gone", async () => {
    const env = home();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // exited: its pid is free
    mkdirSync(join(env.FDOCK_HOME!, "locks", "web.lock"), { recursive: true });
    writeFileSync(join(env.FDOCK_HOME!, "locks", "web.lock", "pid"), String(dead));
    expect(await withMachineLock("web", env, async () => "taken over")).toBe("taken over");
  });
});
