import type Docker from "dockerode";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in a container through the engine API (a local socket or SSH alike) and
 * collects what it prints: no docker CLI, no shell, nothing on the engine host's command lines.
 * `env` reaches the command only (not the container's configuration).
 */
export async function execOutput(docker: Docker, container: string, cmd: readonly string[], env: readonly string[] = []): Promise<ExecOutput> {
  const exec = await docker.getContainer(container).exec({ Cmd: [...cmd], Env: [...env], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on("data", (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on("data", (c: Buffer) => err.push(c));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  // The stream can end a moment before the engine records the exit code.
  let state = (await exec.inspect()) as { Running: boolean; ExitCode: number | null };
  for (let i = 0; i < 100 && (state.Running || state.ExitCode === null); i++) {
    await sleep(50);
    state = (await exec.inspect()) as typeof state;
  }
  return { exitCode: state.ExitCode ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
