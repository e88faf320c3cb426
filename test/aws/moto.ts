/**
 * moto's server (EC2, IAM, STS) in a container on a random loopback port, for the aws suite.
 * Builds the image with test/aws/build-moto-image.sh when it is missing.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runArgv } from "../../src/core/exec.js";

export const MOTO_IMAGE = process.env.FDOCK_MOTO_IMAGE ?? "fdock-test/moto:5";
const BUILD_SCRIPT = fileURLToPath(new URL("./build-moto-image.sh", import.meta.url));

export interface Moto {
  endpoint: string;
  container: string;
  startRecording(): Promise<void>;
  /** The requests moto saw since startRecording: one per call, with its form parameters. */
  recording(): Promise<RecordedRequest[]>;
  /** Wipes every resource (between tests). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  body: string;
  /** Decoded form parameters (EC2/IAM/STS query protocol). */
  params: URLSearchParams;
}

async function docker(...args: string[]): Promise<string> {
  const r = await runArgv({ file: "docker", args }, { timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export async function ensureMotoImage(): Promise<void> {
  const r = await runArgv({ file: "docker", args: ["image", "inspect", MOTO_IMAGE] });
  if (r.exitCode === 0) return;
  const build = await runArgv({ file: "sh", args: [BUILD_SCRIPT, MOTO_IMAGE] }, { timeoutMs: 600_000 });
  if (build.exitCode !== 0) throw new Error(`building ${MOTO_IMAGE} failed:\n${build.stdout}\n${build.stderr}`);
}

export async function startMoto(): Promise<Moto> {
  await ensureMotoImage();
  const container = `fdock-test-aws-${randomBytes(4).toString("hex")}`;
  await docker(
    "run", "-d", "--name", container,
    "-e", "MOTO_IAM_LOAD_MANAGED_POLICIES=true",
    "-e", "MOTO_ENABLE_RECORDING=true",
    "-p", "127.0.0.1::5000",
    MOTO_IMAGE,
  );
  const port = (await docker("port", container, "5000/tcp")).split("\n")[0]!.split(":").pop();
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      const logs = await runArgv({ file: "docker", args: ["logs", "--tail", "30", container] });
      await docker("rm", "-f", container).catch(() => undefined);
      throw new Error(`moto did not answer on ${endpoint}:\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    endpoint,
    container,
    async startRecording() {
      await fetch(`${endpoint}/moto-api/recorder/reset-recording`, { method: "POST" });
      await fetch(`${endpoint}/moto-api/recorder/start-recording`, { method: "POST" });
    },
    async recording() {
      const text = await (await fetch(`${endpoint}/moto-api/recorder/download-recording`)).text();
      return text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { method: string; url?: string; path?: string; body?: string; body_encoded?: boolean })
        .map((r) => {
          const body = r.body_encoded && r.body ? Buffer.from(r.body, "base64").toString("utf8") : (r.body ?? "");
          return { method: r.method, url: r.url ?? r.path ?? "", body, params: new URLSearchParams(body) };
        });
    },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
    async stop() {
      await docker("rm", "-f", container).catch(() => undefined);
    },
  };
}
