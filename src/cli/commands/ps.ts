/** `fdock ps`: the app's containers. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { printJson, printTable } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerPs(program: Command): void {
  program
    .command("ps")
    .description("list the app's containers (on a cluster: its tasks, with each one's machine)")
    .addOption(remoteOption())
    .addHelpText("after", "\nExamples:\n  fdock ps --json\n  fdock ps --remote c1")
    .action(action(runPs));
}

async function runPs(g: GlobalOptions, opts: Options): Promise<number> {
  const { clusterTasksOn, containersOn } = await import("../../core/stack/targeted-commands.js");
  return withReporter(g, async () => {
    const where = { dir: resolve(g.projectDir), remote: opts.remote as RemoteChoice, env: process.env };
    const tasks = await clusterTasksOn(where);
    if (tasks) {
      if (g.json) return printJson(tasks);
      const { taskTable } = await import("../../core/cluster/ops/tasks.js");
      return printTable(taskTable(tasks));
    }
    const rows = await containersOn(where);
    if (g.json) return printJson(rows);
    printTable([["SERVICE", "STATE", "HEALTH", "PORTS"], ...rows.map((r) => [
      r.service, r.state, r.health || "-", r.publishers.map((p) => `${p.url}:${p.publishedPort}->${p.targetPort}`).join(", ") || "-",
    ])]);
  });
}
