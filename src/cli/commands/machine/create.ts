/** `fdock machine create`: create (or adopt) a host, install Docker on it, add its ssh entry and Docker context. */
import { Option, type Command } from "commander";
import { drivers, shownDriverNames } from "../../../core/machine/drivers/index.js";
import { action } from "../../command-action.js";
import { withReporter } from "../../exit-code.js";
import { withInterrupt } from "../../interrupt.js";
import { collect, sshTimeoutOption, type GlobalOptions, type Options } from "../../options.js";
import { out, printJson } from "../../output.js";

export function registerCreate(machine: Command): void {
  const create = machine
    .command("create")
    .description("create (or adopt) a host, install Docker on it over SSH, and add ssh entry and Docker context fdock-NAME")
    .argument("<name>", "machine name: letters, digits, dots, dashes")
    .option("-d, --driver <driver>", `where the host lives: ${shownDriverNames().join(", ")}`, "generic")
    .option("--no-provision", "only record the machine: no SSH wait, no Docker install")
    .addOption(sshTimeoutOption())
    .option("--dry-run", "print what would be made, make nothing", false);
  for (const [driver, summary] of Object.entries(drivers)) {
    for (const f of summary.flags) {
      const flag = f.takesValue ? `--${f.name} <value>` : `--${f.name}`;
      const description = `[${driver}] ${f.description}${f.defaultValue !== undefined ? ` (default: ${f.defaultValue})` : ""}`;
      const option = new Option(flag, description);
      if (f.repeatable) option.argParser(collect);
      if (summary.hidden) option.hideHelp();
      create.addOption(option);
    }
  }
  create
    .addHelpText("after", "\nExamples:\n  fdock machine create --driver generic --generic-ip-address 203.0.113.10 web\n  fdock machine create -d generic --generic-ip-address 10.0.0.5 --generic-ssh-user ubuntu --generic-ssh-key ~/.ssh/vps_ed25519 staging")
    .action(action(runCreate));
}

async function runCreate(g: GlobalOptions, name: string, opts: Options): Promise<number> {
  const { createMachine } = await import("../../../core/machine/create.js");
  const { driverFlagValues } = await import("../../../core/machine/create-flags.js");
  return withReporter(g, async (reporter) => {
    const driver = String(opts.driver);
    const flags = driverFlagValues(driver, opts);
    // First Ctrl-C: finish the step in flight, then remove what this create made. Second: quit now.
    const result = await withInterrupt(
      reporter,
      { first: "stopping after the current step, then removing what this create made.", second: `What was made so far may be left: \`fdock machine rm -f ${name}\` removes it.` },
      (signal) => createMachine({ name, driver, flags, noProvision: opts.provision === false, sshTimeout: opts.sshTimeout as number, dryRun: Boolean(opts.dryRun), signal }, reporter),
    );
    await reporter.flush();
    if (g.json) return printJson(result);
    if (result.dryRun) return out("Dry run: nothing was made.\n");
    out(`Machine ${name} is ${result.state}${result.engineVersion ? ` (Docker ${result.engineVersion})` : ""}: ssh ${result.sshAlias}, Docker context ${result.context}.\n`);
    out(`To point this shell at it: eval "$(fdock env ${name})"   then: fdock up --remote\n`);
  });
}
