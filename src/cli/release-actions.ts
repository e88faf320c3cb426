/** The actions behind `fdock releases` and `fdock rollback`. No logic of their own. */
import { resolve } from "node:path";
import type { GlobalOptions } from "./main.js";
import { printJson, withReporter, type Options } from "./action.js";
import { engineTarget } from "./commands.js";
import { withInterrupt } from "./interrupt.js";

export async function releasesCommand(g: GlobalOptions, opts: Options): Promise<number> {
  const { releasesOf } = await import("../core/stack/releases.js");
  return withReporter(g, async () => {
    const remote = await engineTarget(opts);
    const releases = await releasesOf(resolve(g.projectDir), remote?.env ?? process.env, remote?.docker);
    if (g.json) return printJson(releases);
    if (releases.length === 0) {
      process.stdout.write("No releases yet: each successful `fdock up --production` (or --remote) records one.\n");
      return;
    }
    const table = [["", "RELEASE", "DEPLOYED", "COMMIT", "GUNICORN IMAGE", "NGINX IMAGE"], ...releases.map((r) => [
      r.current ? "*" : "", r.id, r.time.replace(/\.\d+Z$/, "Z"), r.commit ?? "-", r.images.gunicorn.replace(/^sha256:/, "").slice(0, 12), r.images.nginx.replace(/^sha256:/, "").slice(0, 12),
    ])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd() + "\n");
  });
}

export async function rollbackCommand(g: GlobalOptions, release: string | undefined, opts: Options): Promise<number> {
  const { rollback } = await import("../core/stack/rollback.js");
  return withReporter(g, async (reporter) => {
    const remote = await engineTarget(opts);
    const dir = resolve(g.projectDir);
    const result = await withInterrupt(
      reporter,
      { first: "stopping after the current step; the running version keeps serving.", second: "A deploy lock left behind is taken over by the next `fdock up` from this computer." },
      (signal) => rollback(
        remote
          ? { dir, mode: "production", port: (opts.port as number | undefined) ?? 80, publishHost: null, remoteHost: remote.host, machine: remote.name, env: remote.env, dockerArgs: remote.dockerArgs }
          : { dir, mode: "production", port: opts.port as number | undefined, publishHost: "127.0.0.1" },
        reporter,
        release,
        remote?.docker,
        signal,
      ),
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    process.stdout.write(`${result.project} is serving release ${result.release.id} at ${result.url}\n`);
  });
}
