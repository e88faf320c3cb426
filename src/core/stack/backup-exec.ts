/**
 * Commands run in the app's running containers with their output and input streamed: pg_dump's
 * dump goes straight into the backup file, the backup's dump straight into pg_restore. Docker's
 * multiplexed stream is split here with backpressure (docker-modem's demuxStream has none, so a
 * fast dump to a slow disk would pile up in memory).
 */
import type Docker from "dockerode";
import { Transform, Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";

export interface StreamedExec {
  cmd: string[];
  user?: string;
  env?: string[];
  /** Sent to the command's stdin, which is closed after it. */
  stdin?: Readable;
  /** Where its stdout goes (not ended after it); default: collected into the result. */
  stdout?: Writable;
}

export interface ExecResult {
  exitCode: number;
  /** stdout when no sink was given. */
  stdout: string;
  /** The last 8 KiB of stderr. */
  stderr: string;
}

/** Splits Docker's stream (8-byte frame headers) into stdout, passed on, and stderr, handed to onStderr. */
export class Demux extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onStderr: (chunk: Buffer) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const frame = this.pending.subarray(8, 8 + size);
      if (this.pending[0] === 2) this.onStderr(frame);
      else if (this.pending[0] === 1) this.push(frame);
      this.pending = this.pending.subarray(8 + size);
    }
    done();
  }
}

/** Runs cmd in the container, streaming stdin in and stdout out; resolves with its exit code. */
export async function execStreamed(docker: Docker, containerId: string, req: StreamedExec): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: req.cmd,
    User: req.user,
    Env: req.env,
    AttachStdin: Boolean(req.stdin),
    AttachStdout: true,
    AttachStderr: true,
  });
  const socket = (await exec.start({ hijack: true, stdin: Boolean(req.stdin) })) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
  let stderr = "";
  const collected: Buffer[] = [];
  const demux = new Demux((c) => {
    stderr = (stderr + c.toString("utf8")).slice(-8192);
  });
  if (req.stdin) {
    // A command that exits early (an error) closes the connection: what is left of stdin is not sent.
    req.stdin.on("error", () => socket.destroy());
    req.stdin.pipe(socket as unknown as Writable).on("error", () => undefined);
  }
  const sink = req.stdout ?? new Writable({ write: (c: Buffer, _e, done) => (collected.push(c), done()) });
  try {
    await pipeline(socket as unknown as Readable, demux, sink, { end: false });
  } finally {
    // The command's output ended: the connection is done with (left open, it would keep this process alive).
    req.stdin?.unpipe();
    socket.destroy();
  }
  return { exitCode: await exitCode(exec), stdout: Buffer.concat(collected).toString("utf8"), stderr };
}

/** The exec's exit code, once the engine has recorded it (a moment after its stream closed). */
async function exitCode(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const state = (await exec.inspect()) as { Running: boolean; ExitCode: number | null };
    if (!state.Running && state.ExitCode !== null) return state.ExitCode;
    await sleep(50);
  }
  throw new Error("the command's exit code was not known 10 s after its output ended");
}
