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
 * Listr rendered in turn: a spinner while it runs, then a tick (or a cross) and its time. A step
 * that starts inside another (a driver's steps inside "Create the host") shows in the outer
 * task's title while it runs, then as a line under it; so does an info message meanwhile.
 */
export class ListrReporter implements CliReporter {
  private chain: Promise<void> = Promise.resolve();
  private open?: OpenStep;

  constructor(
    private readonly listr: typeof import("listr2"),
    private readonly out: NodeJS.WritableStream,
    private readonly verbose: boolean,
  ) {}

  emit(e: ProgressEvent): void {
    const open = this.open;
    switch (e.kind) {
      case "step-start": {
        if (open) return open.show({ title: `${open.title}: ${e.title}` });
        let settle!: Pick<OpenStep, "resolve" | "reject">;
        const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
        done.catch(() => undefined);
        const step = new OpenStep(e.id, e.title, settle.resolve, settle.reject);
        this.open = step;
        const list = new this.listr.Listr(
          [{
            title: e.title,
            task: async (_ctx, task) => {
              step.attach(task);
              task.title = `${e.title} (${seconds(await done)})`;
            },
            rendererOptions: { outputBar: Infinity, persistentOutput: true },
          }],
          // No SIGINT listener of listr2's own (it calls process.exit(127)): interrupt.ts owns Ctrl-C.
          { exitOnError: true, registerSignalListeners: false, rendererOptions: { formatOutput: "wrap" } },
        );
        this.chain = this.chain.then(() => list.run().then(() => undefined, () => undefined));
        break;
      }
      case "step-done":
      case "step-failed": {
        if (open && open.id !== e.id) return open.show({ title: open.title, line: `${e.kind === "step-done" ? "✔" : "✖"} ${e.title} (${seconds(e.ms)})` });
        this.open = undefined;
        if (e.kind === "step-done") open?.resolve(e.ms);
        else open?.reject(new Error(e.error.split("\n")[0]));
        break;
      }
      case "info":
        if (open) return open.show({ line: e.message });
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

/** The top-level step being rendered; what happens inside it is shown once its task runs. */
class OpenStep {
  private task?: { title: string; output: string | undefined };
  private title_?: string;
  private readonly lines: string[] = [];

  constructor(
    readonly id: string,
    readonly title: string,
    readonly resolve: (ms: number) => void,
    readonly reject: (e: Error) => void,
  ) {}

  attach(task: { title: string; output: string | undefined }): void {
    this.task = task;
    for (const line of this.lines.splice(0)) task.output = line;
    if (this.title_) task.title = this.title_;
  }

  show(change: { title?: string; line?: string }): void {
    if (change.title !== undefined) this.title_ = change.title;
    if (!this.task) {
      if (change.line !== undefined) this.lines.push(change.line);
      return;
    }
    if (change.line !== undefined) this.task.output = change.line;
    if (change.title !== undefined) this.task.title = change.title;
  }
}

export const silent: CliReporter = { emit() {}, flush: async () => {} };

export async function makeReporter(opts: { json: boolean; verbose: boolean }): Promise<CliReporter> {
  if (opts.json) return silent;
  const tty = process.stderr.isTTY && !process.env.CI && process.env.TERM !== "dumb";
  if (tty) return new ListrReporter(await import("listr2"), process.stderr, opts.verbose);
  return new LineReporter(process.stderr, opts.verbose);
}

/** Where the build and compose output goes: the reporter with --verbose, nowhere without. */
export function outputSink(opts: { verbose: boolean }, reporter: Reporter): ((text: string) => void) | undefined {
  return opts.verbose ? (text) => reporter.emit({ kind: "output", text }) : undefined;
}
