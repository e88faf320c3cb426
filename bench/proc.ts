/** Running external commands for the bench: argv arrays, never a shell string. */
import { spawn, spawnSync } from "node:child_process";

export interface Ran {
  code: number;
  out: string;
  err: string;
  ms: number;
}

export class CommandFailed extends Error {
  readonly argv: string[];
  readonly ran: Ran;
  constructor(argv: string[], ran: Ran) {
    const tail = (ran.err || ran.out).trimEnd().split("\n").slice(-15).join("\n");
    super(`${argv.join(" ")} exited ${ran.code}:\n${tail}`);
    this.argv = argv;
    this.ran = ran;
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
}

/** Runs a command to completion (async, so timers and polls keep running). */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<Ran> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = o.timeoutMs ? setTimeout(() => child.kill("SIGTERM"), o.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const ran: Ran = { code: code ?? (signal ? 128 : 1), out, err, ms: performance.now() - start };
      if (ran.code !== 0 && !o.allowFail) reject(new CommandFailed([cmd, ...args], ran));
      else resolve(ran);
    });
  });
}

/** Synchronous variant for quick probes (versions, tool checks). */
export function runSync(cmd: string, args: string[], o: RunOptions = {}): Ran {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, encoding: "utf8", timeout: o.timeoutMs });
  const ran: Ran = { code: r.status ?? 1, out: r.stdout ?? "", err: r.stderr ?? (r.error ? String(r.error) : ""), ms: performance.now() - start };
  if (ran.code !== 0 && !o.allowFail) throw new CommandFailed([cmd, ...args], ran);
  return ran;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls an HTTP URL until `accept(body)` holds; returns the ms it took. */
export async function pollUntil(url: string, accept: (body: string) => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let last = "";
  while (performance.now() - start < timeoutMs) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = await res.text();
      if (res.ok && accept(last)) return performance.now() - start;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(50);
  }
  throw new Error(`${url} did not answer as expected within ${timeoutMs / 1000} s (last: ${last.slice(0, 200)})`);
}
