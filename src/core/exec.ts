import { execFile, spawn } from "node:child_process";

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
