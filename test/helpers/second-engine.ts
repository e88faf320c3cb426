/**
 * A second Docker engine on this machine: the cheapest real node for tests of what one engine
 * sends another. The same dockerd binary as the local engine (Debian trixie's docker.io, the
 * engine fdock installs on machines), with its own data root, exec root (its own containerd) and
 * socket, started in its own network namespace (`unshare --net`) so that its default bridge and
 * iptables rules are its own. Never in the host's namespace: a second dockerd there would share
 * the host engine's docker0, and with --bridge=none it deletes it (moby's
 * removeDefaultBridgeInterface), cutting every container on the default bridge off.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";

export interface SecondEngine extends AsyncDisposable {
  docker: Docker;
  /** For the docker CLI: `docker -H HOST …`. */
  host: string;
  stop(): Promise<void>;
}

/** Starts the engine (about a second); with `containerdStore` it keeps images in containerd's image store. */
export async function startSecondEngine(opts: { containerdStore?: boolean } = {}): Promise<SecondEngine> {
  const dir = mkdtempSync(join(tmpdir(), "fdock-engine-"));
  writeFileSync(join(dir, "daemon.json"), JSON.stringify(opts.containerdStore ? { features: { "containerd-snapshotter": true } } : {}));
  const log = openSync(join(dir, "log"), "a");
  const sock = join(dir, "sock");
  const child = spawn("unshare", ["--net", "dockerd", "--config-file", join(dir, "daemon.json"), "--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "--pidfile", join(dir, "pid"), "-H", `unix://${sock}`], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const docker = new Docker({ socketPath: sock });
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await docker.ping();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        const text = readFileSync(join(dir, "log"), "utf8").split("\n").slice(-10).join("\n");
        await stop();
        throw new Error(`the second dockerd did not start: ${text}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { docker, host: `unix://${sock}`, stop, [Symbol.asyncDispose]: stop };
}
