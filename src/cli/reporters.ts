import type { ProgressEvent, Reporter } from "../core/events.js";

/** A reporter the CLI can wait on before it prints the result. */
export interface CliReporter extends Reporter {
  flush(): Promise<void>;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Plain lines, for pipes, CI logs and dumb terminals. */
export class LineReporter implements CliReporter {
  constructor(private readonly out: NodeJS.WritableStream, private readonly verbose: boolean) {}
  emit(e: ProgressEvent): void {
    switch (e.kind) {
      case "step-start":
        this.out.write(`- ${e.title} ...\n`);
        break;
      case "step-done":
        this.out.write(`✔ ${e.title} (${seconds(e.ms)})\n`);
        break;
      case "step-failed":
        this.out.write(`✖ ${e.title} (${seconds(e.ms)})\n`);
        break;
      case "info":
        this.out.write(`  ${e.message}\n`);
        break;
      case "output":
        if (this.verbose) this.out.write(e.text);
        break;
    }
  }
  async flush(): Promise<void> {}
}

/**
 * A listr2 task list on a TTY. Core steps run one after another, so each becomes a one-task
 * Listr rendered in turn: a spinner while it runs, then a tick (or a cross) and its time.
 */
export class ListrReporter implements CliReporter {
  private chain: Promise<void> = Promise.resolve();
  private pending?: { resolve: (ms: number) => void; reject: (e: Error) => void };

  constructor(
    private readonly listr: typeof import("listr2"),
    private readonly out: NodeJS.WritableStream,
    private readonly verbose: boolean,
  ) {}

  emit(e: ProgressEvent): void {
    switch (e.kind) {
      case "step-start": {
        const done = new Promise<number>((resolve, reject) => (this.pending = { resolve, reject }));
        done.catch(() => undefined);
        const list = new this.listr.Listr(
          [{ title: e.title, task: async (_ctx, task) => { task.title = `${e.title} (${seconds(await done)})`; } }],
          { exitOnError: true, rendererOptions: { formatOutput: "wrap" } },
        );
        this.chain = this.chain.then(() => list.run().then(() => undefined, () => undefined));
        break;
      }
      case "step-done":
        this.pending?.resolve(e.ms);
        break;
      case "step-failed":
        this.pending?.reject(new Error(e.error.split("\n")[0]));
        break;
      case "info":
        this.chain = this.chain.then(() => void this.out.write(`  ${e.message}\n`));
        break;
      case "output":
        if (this.verbose) this.chain = this.chain.then(() => void this.out.write(e.text));
        break;
    }
  }

  flush(): Promise<void> {
    return this.chain;
  }
}

export const silent: CliReporter = { emit() {}, flush: async () => {} };

export async function makeReporter(opts: { json: boolean; verbose: boolean }): Promise<CliReporter> {
  if (opts.json) return silent;
  const tty = process.stderr.isTTY && !process.env.CI && process.env.TERM !== "dumb";
  if (tty) return new ListrReporter(await import("listr2"), process.stderr, opts.verbose);
  return new LineReporter(process.stderr, opts.verbose);
}
