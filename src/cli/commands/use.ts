/** `fdock use`: the persistent Docker context (every shell) to a machine, or back with --default. */
import type { Command } from "commander";
import { action } from "../command-action.js";
import { withReporter } from "../exit-code.js";
import type { GlobalOptions, Options } from "../options.js";
import { out } from "../output.js";

export function registerUse(program: Command): void {
  program.command("use").description("switch the persistent Docker context (every shell) to a machine, or back with --default")
    .argument("[name]").option("--default", "back to the local engine", false)
    .addHelpText("after", "\nExamples:\n  fdock use web\n  fdock use --default")
    .action(action(runUse));
}

async function runUse(g: GlobalOptions, name: string | undefined, opts: Options): Promise<number> {
  const { UserError } = await import("../../core/errors.js");
  const { useMachine } = await import("../../core/machine/use.js");
  const { rememberUsedCluster } = await import("../../core/cluster/active-cluster.js");
  return withReporter(g, async () => {
    if (opts.default) {
      if (name) throw new UserError("Give a machine name or --default, not both.");
      await useMachine(null, process.env);
      rememberUsedCluster(null, null, process.env);
      return out("Docker now uses the local engine (context default) in every shell.\n");
    }
    if (!name) throw new UserError("Which machine? `fdock use NAME`, or `fdock use --default` for the local engine.", "`fdock machine ls` lists them.");
    const { machineOrClusterManager } = await import("../../core/cluster/target.js");
    const target = await machineOrClusterManager(name, process.env);
    const { context, shadowedBy } = await useMachine(target.machine, process.env);
    rememberUsedCluster(target.cluster ?? null, target.machine, process.env);
    if (target.cluster) process.stderr.write(`cluster ${name}: its manager ${target.machine}; a bare --remote now means cluster ${name}\n`);
    out(`Docker now uses machine ${target.machine} (context ${context}) in every shell; \`fdock use --default\` switches back.\n`);
    if (shadowedBy.length) process.stderr.write(`warning: ${shadowedBy.join(", ")} set in this shell override it here: eval "$(fdock env -u)"${process.env.DOCKER_HOST ? " and unset DOCKER_HOST" : ""}\n`);
  });
}
