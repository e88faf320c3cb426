/**
 * The machines suite's world: a real server (a privileged container with sshd and no Docker,
 * from test/fixtures/ssh-host) and an isolated workstation (HOME, FDOCK_HOME, DOCKER_CONFIG in
 * a temp folder) from which the fdock CLI runs as a child process.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GenericContainer, Wait, type StartedNetwork } from "testcontainers";
import { runArgv, type RunResult } from "../../src/core/exec.js";

export const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURE = join(ROOT, "test/fixtures/ssh-host");
export const PREFIX = "fdock-test-machines-";
/** One fixture image per base image and apt sources: runs against different stand-ins never retag each other's. */
const imageFor = (base: string, sources: string) => `${PREFIX}ssh-host:${sources}-${createHash("sha256").update(base).digest("hex").slice(0, 12)}`;

export async function sh(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runArgv({ file, args }, { env: opts.env, input: opts.input, timeoutMs: opts.timeoutMs ?? 300_000 });
}

async function must(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await sh(file, args, opts);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(" ")} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

/** The Debian mirror this machine uses, read from its apt sources (never hard-coded). */
function debianMirror(): string {
  for (const path of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    try {
      const text = readFileSync(path, "utf8");
      const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(text);
      if (m) return m[1]!;
    } catch {
      // next
    }
  }
  throw new Error("no Debian mirror in /etc/apt: the ssh-host fixture cannot install packages");
}

/** Builds dist/ (the CLI the workstation runs) from this checkout's sources. */
export async function buildFdock(): Promise<void> {
  const build = await sh("npx", ["tsc", "-p", ROOT], { env: { ...process.env }, timeoutMs: 120_000 }).then((r) => r, (e: Error) => ({ exitCode: 1, stdout: "", stderr: e.message }));
  if (build.exitCode !== 0) throw new Error(`tsc failed: ${build.stdout}${build.stderr}`);
}

export interface Workstation {
  root: string;
  home: string;
  fdockHome: string;
  key: string;
  env: NodeJS.ProcessEnv;
  fdock(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  cleanup(): void;
}

/**
 * A fresh workstation. OpenSSH reads ~/.ssh/config from the passwd home, not $HOME, so a small
 * `ssh` wrapper on PATH points the system ssh (which the docker CLI runs for ssh:// contexts)
 * at this HOME's config: exactly what the Include fdock adds does for a real user.
 */
export async function makeWorkstation(): Promise<Workstation> {
  const root = mkdtempSync(join(tmpdir(), "fdock-ws-"));
  const home = join(root, "home");
  const bin = join(root, "bin");
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  mkdirSync(bin);
  const key = join(home, ".ssh", "id_ed25519");
  await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fdock-test", "-f", key]);
  writeFileSync(join(bin, "ssh"), `#!/bin/sh\ncase " $* " in *" -F "*) exec /usr/bin/ssh "$@";; esac\nexec /usr/bin/ssh -F "$HOME/.ssh/config" "$@"\n`);
  chmodSync(join(bin, "ssh"), 0o755);
  const base = { ...process.env };
  for (const k of ["DOCKER_HOST", "DOCKER_CONTEXT", "FDOCK_MACHINE_NAME", "SSH_AUTH_SOCK", "CI"]) delete base[k];
  const env: NodeJS.ProcessEnv = {
    ...base,
    HOME: home,
    FDOCK_HOME: join(root, "fdock"),
    DOCKER_CONFIG: join(root, "docker"),
    PATH: `${bin}:${process.env.PATH}`,
    SHELL: "/bin/bash",
  };
  return {
    root,
    home,
    fdockHome: env.FDOCK_HOME!,
    key,
    env,
    fdock: (args, opts = {}) => sh(process.execPath, [join(ROOT, "dist/cli/bin.js"), ...args], { env: opts.env ?? env, input: opts.input }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface SshHost {
  name: string;
  ip: string;
  stop(): Promise<void>;
}

/**
 * Which Debian a host's apt offers Docker from: "trixie" adds Debian 13 as a low-priority source
 * (docker.io 26); "bookworm" is a stock Debian 12 server (docker.io 20.10 only).
 */
export type HostSources = "trixie" | "bookworm";

/**
 * Builds the fixture image (cached after the first time) and starts one host trusting `publicKey`.
 * `suffix` tells several hosts of one test apart; on `network` (a user-defined one) they reach each other.
 */
export async function startSshHost(publicKey: string, sources: HostSources = "trixie", opts: { suffix?: string; network?: StartedNetwork } = {}): Promise<SshHost> {
  const base = process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim";
  const image = imageFor(base, sources);
  const extraSuite = sources === "trixie" ? "trixie" : "";
  await must("docker", ["build", "-q", "-t", image, "--build-arg", `BASE=${base}`, "--build-arg", `DEBIAN_MIRROR=${debianMirror()}`, "--build-arg", `EXTRA_SUITE=${extraSuite}`, FIXTURE]);
  const name = `${PREFIX}host-${sources}-${process.pid}${opts.suffix ? `-${opts.suffix}` : ""}`;
  // The image's VOLUME gives /var/lib/docker an anonymous volume, removed with the container.
  let definition = new GenericContainer(image);
  if (opts.network) definition = definition.withNetwork(opts.network);
  const container = await definition
    .withName(name)
    .withHostname(name)
    .withPrivilegedMode()
    .withEnvironment({ AUTHORIZED_KEY: publicKey })
    // sshd is up once the host keys exist and it logs that it listens.
    .withWaitStrategy(Wait.forLogMessage(/Server listening/))
    .start();
  return {
    name,
    ip: container.getIpAddress(opts.network ? opts.network.getName() : "bridge"),
    stop: async () => {
      await container.stop({ removeVolumes: true });
    },
  };
}

/** Docker in the host container itself (for the test to change things behind fdock's back). */
export function hostExec(host: SshHost, script: string): Promise<RunResult> {
  return sh("docker", ["exec", host.name, "sh", "-c", script]);
}
