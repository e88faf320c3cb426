/** The actions behind each command: options in, core call, result out. No logic of their own. */
import { resolve } from "node:path";
import type { GlobalOptions } from "./main.js";
import { printJson, withReporter, type Options } from "./action.js";
import type { CliReporter } from "./reporters.js";
import { withInterrupt } from "./interrupt.js";

const dirOf = (g: GlobalOptions) => resolve(g.projectDir);

/**
 * Where a stack command runs. --remote: the machine's engine (compose through its context,
 * dockerode over SSH). Without it: the local engine, refused while this shell (or `fdock use`)
 * points Docker at a machine, since compose would follow the context and dockerode would not.
 */
export async function engineTarget(opts: Options) {
  const env = process.env;
  if (opts.remote !== undefined && opts.remote !== false) {
    const { resolveRemote } = await import("../core/machine/active.js");
    const { remoteEngine } = await import("../core/machine/remote.js");
    return remoteEngine(resolveRemote(typeof opts.remote === "string" ? opts.remote : undefined, env), env);
  }
  const { activeMachine } = await import("../core/machine/active.js");
  const active = activeMachine(env);
  if (active.name) {
    const { UserError } = await import("../core/errors.js");
    throw new UserError(
      `Docker points at machine ${active.name} (${active.source}), so a local run would be split between two engines.`,
      `Deploy there with \`--remote\`, or point Docker back here with \`eval "$(fdock env -u)"\`${active.source === "docker context use" ? " and `fdock use --default`" : ""}.`,
    );
  }
  return null;
}

function outputSink(g: GlobalOptions, reporter: CliReporter): ((text: string) => void) | undefined {
  return g.verbose ? (text) => reporter.emit({ kind: "output", text }) : undefined;
}

export async function initCommand(g: GlobalOptions, opts: Options): Promise<number> {
  const { init } = await import("../core/project/init.js");
  const { chooser } = await import("./prompt.js");
  return withReporter(g, async () => {
    const interactive = !opts.yes && process.stdin.isTTY && process.stdout.isTTY && !process.env.CI;
    const result = await init({
      dir: dirOf(g),
      app: opts.app as string | undefined,
      force: Boolean(opts.force),
      choose: interactive ? chooser : undefined,
    });
    if (g.json) return printJson(result);
    process.stdout.write(`Wrote ${result.file} (app: ${result.config.app})\n`);
    for (const note of result.notes) process.stdout.write(`  - ${note}\n`);
    process.stdout.write("Next: `fdock up` serves it on http://localhost:8080/\n");
  });
}

export async function buildCommand(g: GlobalOptions): Promise<number> {
  const { build } = await import("../core/stack/build.js");
  return withReporter(g, async (reporter) => {
    await engineTarget({});
    await build({ dir: dirOf(g), mode: "production", publishHost: "127.0.0.1", onOutput: outputSink(g, reporter) }, reporter);
    if (g.json) printJson({ built: true });
  });
}

export async function upCommand(g: GlobalOptions, opts: Options): Promise<number> {
  const { up } = await import("../core/stack/up.js");
  return withReporter(g, async (reporter) => {
    const remote = await engineTarget(opts);
    if (remote) reporter.emit({ kind: "info", message: `deploying to machine ${remote.name} (${remote.host})` });
    const result = await withInterrupt(
      reporter,
      { first: "stopping after the current step; the running version (if any) keeps serving.", second: "A deploy lock left behind is taken over by the next `fdock up` from this computer." },
      (signal) => up(
      remote
        ? { dir: dirOf(g), mode: "production", port: (opts.port as number | undefined) ?? 80, publishHost: null, remoteHost: remote.host, machine: remote.name, env: remote.env, dockerArgs: remote.dockerArgs, onOutput: outputSink(g, reporter) }
        : {
            dir: dirOf(g),
            mode: opts.production ? "production" : "development",
            port: opts.port as number | undefined,
            publishHost: "127.0.0.1",
            onOutput: outputSink(g, reporter),
          },
      reporter,
      remote?.docker,
      signal,
    ));
    await reporter.flush();
    if (g.json) return printJson(result);
    process.stdout.write(`${result.project} is serving at ${result.url} (${result.mode})\n`);
    if (result.mode === "development") process.stdout.write("Edits to the code are served without a restart. `fdock down` stops it.\n");
  });
}

/** The compose project of the last `fdock up`, here or (--remote) on a machine. */
async function composeFor(g: GlobalOptions, opts: Options, onOutput?: (text: string) => void) {
  const { existingCompose } = await import("../core/stack/down.js");
  const remote = await engineTarget(opts);
  return existingCompose(dirOf(g), remote ? { env: remote.env, dockerArgs: remote.dockerArgs, onOutput } : { onOutput });
}

export async function downCommand(g: GlobalOptions, opts: Options): Promise<number> {
  const { downStack } = await import("../core/stack/down.js");
  return withReporter(g, async (reporter) => {
    const remote = await engineTarget(opts);
    const volumes = Boolean(opts.volumes);
    // A question only where someone can answer it: a terminal, not CI.
    const interactive = process.stdin.isTTY && process.stderr.isTTY && !process.env.CI && !g.json;
    const confirm = interactive ? async (message: string) => (await import("@inquirer/prompts")).confirm({ message, default: false }) : undefined;
    const done = await downStack(
      dirOf(g),
      { volumes, yes: Boolean(opts.yes), confirm, ...(remote ? { env: remote.env, dockerArgs: remote.dockerArgs } : {}) },
      reporter,
      remote?.docker,
    );
    await reporter.flush();
    if (g.json) return printJson({ down: done, volumesRemoved: done && volumes });
    if (!done) process.stdout.write("Nothing was removed.\n");
  });
}

export async function psCommand(g: GlobalOptions, opts: Options): Promise<number> {
  const { ps } = await import("../core/stack/down.js");
  return withReporter(g, async () => {
    const rows = await ps(await composeFor(g, opts));
    if (g.json) return printJson(rows);
    const table = [["SERVICE", "STATE", "HEALTH", "PORTS"], ...rows.map((r) => [
      r.service, r.state, r.health || "-", r.publishers.map((p) => `${p.url}:${p.publishedPort}->${p.targetPort}`).join(", ") || "-",
    ])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd() + "\n");
  });
}

export async function logsCommand(g: GlobalOptions, services: string[], opts: Options): Promise<number> {
  return withReporter(g, async () => {
    const compose = await composeFor(g, opts, (text) => process.stdout.write(text));
    await compose.logs(services.length ? services : ["gunicorn", "nginx"], { follow: Boolean(opts.follow), tail: opts.tail as number | undefined });
  });
}

export async function configCommand(g: GlobalOptions, opts: Options): Promise<number> {
  const { renderedConfig } = await import("../core/stack/build.js");
  return withReporter(g, async () => {
    const text = await renderedConfig({
      dir: dirOf(g),
      mode: opts.production ? "production" : "development",
      publishHost: "127.0.0.1",
      cpus: opts.cpus as number | undefined,
      memoryBytes: opts.memory as number | undefined,
    });
    process.stdout.write(g.json ? JSON.stringify({ compose: text }) + "\n" : text);
  });
}
