import { execFile, spawn } from "node:child_process";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";

/** One external command as an argv array: built by pure functions, run by runArgv. */
export interface Argv {
  readonly file: string;
  readonly args: readonly string[];
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs argv without a shell; never throws for a non-zero exit (the caller decides). */
export function runArgv(argv: Argv, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv.file,
      [...argv.args],
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === "string") {
          reject(error); // ENOENT and the like: the program itself is missing
          return;
        }
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ exitCode: typeof code === "number" ? code : 1, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs argv with the terminal attached (for `logs -f`, `ssh`); resolves to the exit code. */
export function runArgvInteractive(argv: Argv, opts: RunOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv.file, [...argv.args], { cwd: opts.cwd, env: opts.env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export interface StreamOptions {
  cwd?: string;
  /** The child's whole environment (not merged with this process's). */
  env?: NodeJS.ProcessEnv;
  /** Each chunk of stdout and stderr as it comes (--verbose, `logs -f`). */
  onOutput?: (text: string) => void;
  /** At most this many characters of each stream are kept, the last ones (default 16 MiB). */
  keepChars?: number;
}

/**
 * Runs argv without a shell, its output piped: each chunk goes to onOutput as it comes and the
 * last keepChars of each stream are kept for the result. Resolves when the program exits, with
 * no wait after it; never throws for a non-zero exit (the caller decides), rejects when the
 * program cannot be started (ENOENT and the like).
 */
export function streamArgv(argv: Argv, opts: StreamOptions = {}): Promise<RunResult> {
  const keep = opts.keepChars ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(argv.file, [...argv.args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const kept = { stdout: "", stderr: "" };
    for (const name of ["stdout", "stderr"] as const) {
      child[name].setEncoding("utf8");
      child[name].on("data", (text: string) => {
        opts.onOutput?.(text);
        const all = kept[name] + text;
        kept[name] = all.length > keep ? all.slice(-keep) : all;
      });
    }
    child.on("error", reject);
    // close, not exit: every chunk of output has arrived by then.
    child.on("close", (code, signal) => resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0), ...kept }));
  });
}

/** A program started with its stdin and stdout as byte streams (an image archive from one engine to another). */
export interface PipedProgram {
  stdin: Writable;
  stdout: Readable;
  /** Its exit code and the last 64 kB of its stderr, once it ended; rejects when it cannot be started. */
  ended: Promise<{ exitCode: number; stderr: string }>;
  kill(): void;
}

/**
 * Starts argv without a shell, stdin and stdout piped for the caller to stream. A stdin the
 * program stopped reading (it ended early) drops what is written to it instead of throwing: its
 * exit code and stderr say why.
 */
export function pipeArgv(argv: Argv, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): PipedProgram {
  const child = spawn(argv.file, [...argv.args], { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => undefined);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr = (stderr + text).slice(-65_536);
  });
  const ended = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0), stderr }));
  });
  return { stdin: child.stdin, stdout: child.stdout, ended, kill: () => child.kill() };
}
