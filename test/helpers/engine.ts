import { runArgv } from "../../src/core/exec.js";
import { tcpAnswers } from "../../src/core/tcp-port.js";
import { silentReporter } from "../../src/core/events.js";
import { up, type UpResult } from "../../src/core/stack/up.js";
import { existingCompose } from "../../src/core/stack/existing-compose.js";
import { ownerVolume } from "../../src/core/stack/ownership.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Target } from "../../src/core/render/target.js";
import { httpGet } from "../../src/core/stack/http-check.js";

export { httpGet };

/** fdock up on the local engine, on a free loopback port. */
export function upLocal(dir: string, mode: Target["mode"] = "production"): Promise<UpResult> {
  return up({ dir, mode, port: 0, publishHost: "127.0.0.1" }, silentReporter);
}

export async function downLocal(dir: string, volumes = true): Promise<void> {
  // Also after a deploy that failed (or never started): whatever it left goes.
  await Promise.resolve().then(() => existingCompose(dir).down(volumes)).catch(() => undefined);
  if (!volumes) return;
  // A test's last down: its claim on the name (src/core/stack/ownership.ts) and the images it built go too.
  let name: string | undefined;
  try {
    name = (parse(readFileSync(join(dir, "fdock.yaml"), "utf8")) as { name?: string } | null)?.name;
  } catch {
    return; // no fdock.yaml a compose project name could come from
  }
  if (!name) return;
  await runArgv({ file: "docker", args: ["volume", "rm", "-f", ownerVolume(name)] }).catch(() => undefined);
  // By name (every tag), and by compose's label (the untagged ones a rebuild left).
  const list = async (filter: string) => (await runArgv({ file: "docker", args: ["image", "ls", "-q", "--filter", filter] })).stdout.split("\n").filter(Boolean);
  const images = [...(await list(`reference=fdock-${name}-*`)), ...(await list(`label=com.docker.compose.project=${name}`))];
  if (images.length) await runArgv({ file: "docker", args: ["image", "rm", "-f", ...new Set(images)] }).catch(() => undefined);
}

export async function docker(...args: string[]): Promise<string> {
  const r = await runArgv({ file: "docker", args });
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Container names of a compose project, running or not. */
export async function projectContainers(project: string): Promise<string[]> {
  const out = await docker("ps", "-a", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.Names}}");
  return out ? out.split("\n") : [];
}

export async function projectNetworks(project: string): Promise<string[]> {
  const out = await docker("network", "ls", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.Name}}");
  return out ? out.split("\n") : [];
}

/** True when a TCP connection to host:port is accepted within timeoutMs (fdock's own probe). */
export function canConnect(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return tcpAnswers(host, port, timeoutMs);
}

/** Polls until check() returns true; a functional wait with a bound, not a timing assertion. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

/** Removes every image a test project built or tagged (compose's builds, fdock's release tags and records). */
export async function removeProjectImages(project: string): Promise<void> {
  const ids = new Set<string>();
  for (const label of [`com.docker.compose.project=${project}`, `dev.fdock.release.project=${project}`]) {
    for (const id of (await docker("images", "-q", "--no-trunc", "--filter", `label=${label}`)).split("\n")) if (id) ids.add(id);
  }
  const refs = (await docker("images", "--format", "{{.Repository}}:{{.Tag}}")).split("\n").filter((r) => r.startsWith(`fdock-${project}-`));
  await runArgv({ file: "docker", args: ["image", "rm", "--force", ...refs, ...ids] });
}
