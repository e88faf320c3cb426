import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentReporter } from "../../src/core/events.js";
import { writeFileAtomic } from "../../src/core/machine/atomic-file.js";
import { readMachineCredentials, writeMachineCredentials } from "../../src/core/machine/drivers/amazonec2/machine-credentials.js";
import { makeEd25519KeyPair } from "../../src/core/machine/drivers/amazonec2/ssh-key.js";
import { GenericDriver, genericOptionsFromFlags } from "../../src/core/machine/drivers/generic/driver.js";

/**
 * Every secret file fdock writes (the machine's SSH private key, its AWS access key) is 0600
 * from the first byte, whatever the umask, and whole or absent: written through writeFileAtomic.
 */
const temps: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "fdock-secret-"));
  temps.push(d);
  return d;
};
let umask = 0;
beforeEach(() => { umask = process.umask(0); }); // the loosest umask: modes must come from fdock, not from it
afterEach(() => {
  process.umask(umask);
  temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const mode = (p: string) => statSync(p).mode & 0o777;
const onlyFiles = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith(".")).sort();
const noTemps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

describe("secret files", () => {
  it("the machine's AWS credentials: 0600, replacing a looser file whole", async () => {
    const dir = temp();
    writeFileSync(join(dir, "aws-credentials.json"), "old, world-readable", { mode: 0o644 });
    const before = statSync(join(dir, "aws-credentials.json")).ino;
    await writeMachineCredentials(dir, { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cret", userName: "fdock-web" });
    expect(mode(join(dir, "aws-credentials.json"))).toBe(0o600);
    // A new file renamed over the old one (not the old one rewritten in place, readable meanwhile).
    expect(statSync(join(dir, "aws-credentials.json")).ino).not.toBe(before);
    expect(await readMachineCredentials(dir)).toEqual({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cret", userName: "fdock-web" });
    expect(noTemps(dir)).toEqual([]);
  });

  it("the EC2 machine's SSH private key: 0600, and never written over an existing key", async () => {
    const dir = temp();
    const path = join(dir, "id_ed25519");
    await makeEd25519KeyPair("fdock-web").writePrivateKey(path);
    expect(mode(path)).toBe(0o600);
    const first = readFileSync(path, "utf8");
    expect(first).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/);
    await expect(makeEd25519KeyPair("fdock-web").writePrivateKey(path)).rejects.toMatchObject({ code: "EEXIST" });
    expect(readFileSync(path, "utf8")).toBe(first);
    expect(onlyFiles(dir)).toEqual(["id_ed25519"]);
    expect(noTemps(dir)).toEqual([]);
  });

  it("the generic machine's copy of the user's key: 0600 even when the copy's folder is loose", async () => {
    const src = temp();
    const key = join(src, "id_ed25519");
    await makeEd25519KeyPair("me").writePrivateKey(key);
    const dir = temp();
    chmodSync(dir, 0o777);
    const driver = new GenericDriver(genericOptionsFromFlags({ "generic-ip-address": "192.0.2.5", "generic-ssh-key": key }, { HOME: src }));
    await driver.create({ name: "web", dir, reporter: silentReporter, checkpoint: async () => {}, signal: new AbortController().signal });
    expect(mode(join(dir, "id"))).toBe(0o600);
    expect(readFileSync(join(dir, "id"))).toEqual(readFileSync(key));
    expect(noTemps(dir)).toEqual([]);
  });

  it("writeFileAtomic exclusive: EEXIST on an existing file, which stays as it was", () => {
    const dir = temp();
    const path = join(dir, "key");
    writeFileAtomic(path, "first\n", { exclusive: true });
    expect(() => writeFileAtomic(path, "second\n", { exclusive: true })).toThrow(/EEXIST/);
    expect(readFileSync(path, "utf8")).toBe("first\n");
    expect(mode(path)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["key"]);
  });
});
