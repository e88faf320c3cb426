/**
 * A command on a real pseudo-terminal (python3's pty module, see pty-relay.py): read what it
 * prints, type into it (Ctrl-C is "\x03"), wait for its exit code.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const RELAY = fileURLToPath(new URL("./pty-relay.py", import.meta.url));

export interface PtyRun {
  /** Everything printed so far, without colours and cursor codes. */
  text(): string;
  /** Resolves once the printed text matches (rejects if the command exits first). */
  waitFor(pattern: RegExp): Promise<void>;
  type(keys: string): void;
  exit: Promise<number>;
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\x1b[()][0-9A-Za-z]/g, "");

export function runOnPty(argv: string[], env: NodeJS.ProcessEnv): PtyRun {
  const child = spawn("python3", [RELAY, ...argv], { env, stdio: ["pipe", "pipe", "inherit"] });
  let raw = "";
  const waiters: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(stripAnsi(raw))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on("data", (chunk: Buffer) => {
    raw += chunk.toString("utf8");
    check();
  });
  const exit = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  void exit.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`exited before printing ${w.pattern}:\n${stripAnsi(raw)}`));
  });
  return {
    text: () => stripAnsi(raw),
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
    type: (keys) => void child.stdin.write(keys),
    exit,
  };
}
