import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { contextArgv } from "../../src/core/machine/docker-context.js";
import { fingerprint, parseKeyText, parsePin, pinMatches } from "../../src/core/machine/ssh/host-key.js";
import { readPrivateKey } from "../../src/core/machine/ssh/key-file.js";
import { ensureSshInclude, renderSshEntry } from "../../src/core/machine/ssh/ssh-config.js";
import { packageFamily, parseOsRelease } from "../../src/core/machine/provision/os-release.js";
import { dockerRepoFor, provisionScript, runAsRootCommand } from "../../src/core/machine/provision/scripts.js";

const temps: string[] = [];
const temp = () => { const d = mkdtempSync(join(tmpdir(), "fdock-ssh-")); temps.push(d); return d; };
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function keypair(dir: string): { key: string; pub: string } {
  const key = join(dir, "k");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  return { key, pub: readFileSync(`${key}.pub`, "utf8") };
}

describe("host keys", () => {
  it("computes the same fingerprint as ssh-keygen", () => {
    const { key, pub } = keypair(temp());
    const expected = execFileSync("ssh-keygen", ["-lf", `${key}.pub`], { encoding: "utf8" }).split(" ")[1];
    expect(fingerprint(parseKeyText(pub)!.blob)).toBe(expected);
  });

  it("takes a key, a known_hosts line or a fingerprint as a pin, and matches only the right key", () => {
    const dir = temp();
    const a = parseKeyText(keypair(dir).pub)!;
    rmSync(join(dir, "k")); rmSync(join(dir, "k.pub"));
    const b = parseKeyText(keypair(dir).pub)!;
    const line = `[203.0.113.5]:2222 ${a.type} ${a.blob.toString("base64")}`;
    for (const pin of [parsePin(line), parsePin(`${a.type} ${a.blob.toString("base64")} comment`), parsePin(fingerprint(a.blob))]) {
      expect(pinMatches(pin, a)).toBe(true);
      expect(pinMatches(pin, b)).toBe(false);
    }
    expect(() => parsePin("not a key")).toThrow(/not a host key/);
  });
});

describe("private key files", () => {
  it("refuses a key others can read, like ssh, and accepts it at 0600", () => {
    const { key } = keypair(temp());
    chmodSync(key, 0o644);
    expect(() => readPrivateKey(key)).toThrow(/too open/);
    chmodSync(key, 0o600);
    expect(readPrivateKey(key).toString()).toContain("PRIVATE KEY");
  });

  it("refuses a key with a passphrase with a way out", () => {
    const key = join(temp(), "p");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret", "-f", key]);
    expect(() => readPrivateKey(key)).toThrow(/passphrase/);
  });
});

describe("ssh config", () => {
  it("renders one strict entry per machine", () => {
    const text = renderSshEntry({ name: "web", target: { host: "203.0.113.5", port: 2222, user: "deploy", keyPath: "/h/.fdock/machines/web/id" }, knownHostsPath: "/h/.fdock/machines/web/known_hosts" }, "/h/.fdock/cm");
    expect(text).toBe([
      "Host fdock-web", "  HostName 203.0.113.5", "  Port 2222", "  User deploy",
      '  IdentityFile "/h/.fdock/machines/web/id"', "  IdentitiesOnly yes",
      '  UserKnownHostsFile "/h/.fdock/machines/web/known_hosts"', "  HostKeyAlias fdock-web",
      "  StrictHostKeyChecking yes", "  ControlMaster auto", '  ControlPath "/h/.fdock/cm/%C"', "  ControlPersist 60", "",
    ].join("\n"));
  });

  it("adds the Include at the top of ~/.ssh/config once, keeping what was there, 0600", () => {
    const home = temp();
    const env = { HOME: home, FDOCK_HOME: join(home, ".fdock") };
    expect(ensureSshInclude(env)).toBe(true);
    expect(statSync(join(home, ".ssh", "config")).mode & 0o777).toBe(0o600);
    writeFileSync(join(home, ".ssh", "config"), readFileSync(join(home, ".ssh", "config"), "utf8") + "Host old\n  User me\n");
    expect(ensureSshInclude(env)).toBe(false);
    const text = readFileSync(join(home, ".ssh", "config"), "utf8");
    expect(text.indexOf(`Include "${home}/.fdock/ssh_config"`)).toBeLessThan(text.indexOf("Host old"));
    expect(text.match(/Include/g)).toHaveLength(1);
  });
});

describe("docker context argv", () => {
  it("builds argv arrays, never shell strings", () => {
    expect(contextArgv.create("web")).toEqual({ file: "docker", args: ["context", "create", "fdock-web", "--description", "fdock machine web", "--docker", "host=ssh://fdock-web"] });
    expect(contextArgv.remove("web")).toEqual({ file: "docker", args: ["context", "rm", "--force", "fdock-web"] });
    expect(contextArgv.use("default")).toEqual({ file: "docker", args: ["context", "use", "default"] });
  });
});

describe("provisioner", () => {
  it("is chosen from /etc/os-release", () => {
    const os = (t: string) => packageFamily(parseOsRelease(t));
    expect(os('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe("apt");
    expect(os("ID=ubuntu\nID_LIKE=debian\n")).toBe("apt");
    expect(os('ID="amzn"\nID_LIKE="fedora"\n')).toBe("dnf");
    expect(os("ID=fedora\n")).toBe("dnf");
    expect(os("ID=alpine\n")).toBeNull();
  });

  it("installs only when dockerd is missing or too old, adds a sudo user to the docker group, runs through sudo -n", () => {
    const script = provisionScript("apt", "deploy");
    expect(script).toContain('installed=$(engine_version)');
    expect(script).toContain('MIN_ENGINE="20.10"');
    expect(script).toContain('elif ! at_least "$installed" "$MIN_ENGINE"; then');
    expect(script).toContain("usermod -aG docker deploy");
    expect(script).toContain("setsid nohup dockerd");
    expect(script).not.toMatch(/\{\{\w+\}\}/);
    expect(provisionScript("apt", "root")).not.toContain("usermod");
    expect(provisionScript("dnf", "ec2-user")).toContain("dnf install -y -q docker ");
    expect(runAsRootCommand("deploy")).toBe("sudo -n sh -s");
    expect(runAsRootCommand("root")).toBe("sh -s");
    expect(() => provisionScript("apt", "x; rm -rf /")).toThrow(/unsafe/);
  });

  it("picks Docker's repository for the distribution, none for Amazon Linux", () => {
    const os = (t: string) => parseOsRelease(t);
    expect(dockerRepoFor("apt", os("ID=debian\nVERSION_CODENAME=bookworm\n"))).toEqual({ url: "https://download.docker.com/linux/debian", suite: "bookworm" });
    expect(dockerRepoFor("apt", os("ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\nUBUNTU_CODENAME=jammy\n"))).toEqual({ url: "https://download.docker.com/linux/ubuntu", suite: "jammy" });
    expect(dockerRepoFor("apt", os("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\nVERSION_CODENAME=wilma\nUBUNTU_CODENAME=noble\n"))?.suite).toBe("noble");
    expect(dockerRepoFor("apt", os("ID=debian\nVERSION_CODENAME=$(reboot)\n"))).toBeNull();
    expect(dockerRepoFor("dnf", os("ID=fedora\n"))?.url).toBe("https://download.docker.com/linux/fedora");
    expect(dockerRepoFor("dnf", os('ID="rocky"\nID_LIKE="rhel centos fedora"\n'))?.url).toBe("https://download.docker.com/linux/centos");
    expect(dockerRepoFor("dnf", os('ID="amzn"\nID_LIKE="fedora"\n'))).toBeNull();
  });

  it("tries Docker's apt repository first, the way Docker's guide does, giving up within seconds", () => {
    const script = provisionScript("apt", "root", { url: "https://download.docker.com/linux/debian", suite: "bookworm" });
    expect(script).toContain('DOCKER_REPO="https://download.docker.com/linux/debian"');
    expect(script).toContain('DOCKER_SUITE="bookworm"');
    // Fast failure: connection and total time bounded.
    expect(script).toMatch(/FETCH="curl -fsSL --connect-timeout 5 --max-time 20"/);
    expect(script).toContain('$FETCH "$DOCKER_REPO/gpg" -o /etc/apt/keyrings/docker.asc');
    expect(script).toContain("signed-by=/etc/apt/keyrings/docker.asc] $DOCKER_REPO $DOCKER_SUITE stable");
    expect(script).toContain("apt-get install -y -q docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin");
    // Docker first, the distribution's packages (the newest docker.io any source offers) after.
    const install = script.slice(script.indexOf("install_engine() {"));
    expect(install.indexOf("install_from_docker")).toBeLessThan(install.indexOf("install_from_distribution"));
    expect(script).toContain("apt-cache madison docker.io");
    // Each path says which one was taken; a failed attempt leaves no broken apt source behind.
    expect(script).toContain("cannot be reached ($(echo $err)): using the distribution's packages instead");
    expect(script).toContain("installed docker-ce from Docker's apt repository");
    expect(script).toContain("from the distribution's sources");
    expect(script).toContain("rm -f /etc/apt/sources.list.d/docker.list /etc/apt/keyrings/docker.asc");
  });

  it("tries Docker's dnf repository first, and says when there is none", () => {
    const dnf = provisionScript("dnf", "root", { url: "https://download.docker.com/linux/fedora", suite: "" });
    expect(dnf).toContain('$FETCH "$DOCKER_REPO/docker-ce.repo" -o /etc/yum.repos.d/docker-ce.repo');
    expect(dnf).toContain("dnf install -y -q --allowerasing docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin");
    expect(dnf).toContain("Docker's dnf repository cannot be reached");
    expect(provisionScript("dnf", "root", null)).toContain('DOCKER_REPO=""');
    expect(provisionScript("dnf", "root", null)).toContain("Docker publishes no repository for this distribution");
  });
});
