import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFdock, makeWorkstation, type Workstation } from "./ssh-host.js";

/**
 * `fdock machine create` with values that would rewrite fdock's ssh config (which ~/.ssh/config
 * includes) if written as given: the built CLI in an isolated home, no SSH host needed, since
 * nothing may be contacted, recorded or written.
 */
describe("fdock machine create refuses flag values that could reach a config file or a shell", () => {
  let ws: Workstation;
  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const sshConfig = () => join(ws.fdockHome, "ssh_config");
  const userSshConfig = () => join(ws.home, ".ssh", "config");
  const machines = () => (existsSync(join(ws.fdockHome, "machines")) ? readdirSync(join(ws.fdockHome, "machines")) : []);
  const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : null);

  beforeAll(async () => {
    await buildFdock();
    ws = await makeWorkstation();
  });

  afterAll(async () => {
    await ws?.fdock(["machine", "rm", "-y", "-f", "good"]).catch(() => undefined);
    ws?.cleanup();
  });

  it("a newline in --generic-ip-address on a fresh workstation: refused, nothing recorded, no ssh config written", async () => {
    const r = await ws.fdock(["machine", "create", "--driver", "generic", "--generic-ip-address", "1.2.3.4\nHost *\n  ProxyCommand touch /tmp/pwned", "--generic-ssh-key", ws.key, "evil"]);
    expect(r.exitCode, out(r)).not.toBe(0);
    expect(r.stderr).toContain("--generic-ip-address");
    expect(r.stderr).toContain("is not an IPv4 or IPv6 address or a host name");
    expect(out(r)).not.toContain("bug in fdock");
    expect(machines()).toEqual([]);
    expect(existsSync(sshConfig())).toBe(false);
    expect(existsSync(userSshConfig())).toBe(false);
  });

  it("with a machine already recorded: each bad flag is refused by name and leaves both ssh configs byte for byte", async () => {
    const good = await ws.fdock(["machine", "create", "--driver", "generic", "--generic-ip-address", "192.0.2.10", "--generic-ssh-key", ws.key, "--no-provision", "good"]);
    expect(good.exitCode, out(good)).toBe(0);
    const before = { fdock: read(sshConfig()), user: read(userSshConfig()) };
    expect(before.fdock).toContain("Host fdock-good");

    const bad: [string[], string][] = [
      [["--generic-ip-address", "1.2.3.4\nHost *\n  ProxyCommand touch /tmp/pwned"], "--generic-ip-address"],
      [["--generic-ip-address", "192.0.2.11", "--generic-ssh-user", "root\n  ProxyCommand touch /tmp/pwned"], "--generic-ssh-user"],
      [["--generic-ip-address", "192.0.2.11", "--generic-ssh-port", "22\nHost *"], "--generic-ssh-port"],
      [["--generic-ip-address", "192.0.2.11", "--generic-ssh-port", "70000"], "--generic-ssh-port"],
    ];
    for (const [flags, flag] of bad) {
      const r = await ws.fdock(["machine", "create", "--driver", "generic", ...flags, "--generic-ssh-key", ws.key, "evil"]);
      expect(r.exitCode, out(r)).not.toBe(0);
      expect(r.stderr, flag).toContain(flag);
      expect(machines()).toEqual(["good"]);
      expect(read(sshConfig())).toBe(before.fdock);
      expect(read(userSshConfig())).toBe(before.user);
    }
  });
});
