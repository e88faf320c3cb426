/**
 * `fdock machine …`, `fdock env`, `fdock use`, `fdock active`: argument parsing only. Driver
 * flags come from the light flag lists (no SDK); actions load on demand.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { drivers } from "../core/machine/drivers/index.js";
import type { GlobalOptions } from "./main.js";

type Run = (load: () => Promise<(g: GlobalOptions, ...args: never[]) => Promise<number>>) => (...args: unknown[]) => Promise<void>;

const actions = () => import("./machine-actions.js");

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("must be a whole number of seconds, at least 1.");
  return n;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerMachineCommands(program: Command, run: Run): void {
  const machine = program
    .command("machine")
    .description("create and manage Docker hosts (docker-machine's commands)")
    .addHelpText("after", "\nExample:\n  fdock machine create --driver generic --generic-ip-address 203.0.113.10 web\n  eval \"$(fdock env web)\"\n  fdock up --remote");

  const create = machine
    .command("create")
    .description("create (or adopt) a host, install Docker on it over SSH, and add ssh entry and Docker context fdock-NAME")
    .argument("<name>", "machine name: letters, digits, dots, dashes")
    .option("-d, --driver <driver>", `where the host lives: ${Object.entries(drivers).filter(([, d]) => !d.hidden).map(([n]) => n).join(", ")}`, "generic")
    .option("--no-provision", "only record the machine: no SSH wait, no Docker install")
    .addOption(new Option("--ssh-timeout <seconds>", "how long to wait for SSH to answer").argParser(seconds).default(120))
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
    .action(run(async () => (await actions()).createAction));

  machine.command("ls").description("list machines: NAME, ACTIVE, DRIVER, STATE, URL, DOCKER")
    .option("--json", "print JSON").addHelpText("after", "\nExample:\n  fdock machine ls")
    .action(run(async () => (await actions()).lsAction));
  machine.command("inspect").description("print a machine's details as JSON (no secrets)").argument("<name>")
    .addHelpText("after", "\nExample:\n  fdock machine inspect web")
    .action(run(async () => (await actions()).inspectAction));
  machine.command("ip").description("print a machine's IP address").argument("<name>")
    .addHelpText("after", "\nExample:\n  curl http://$(fdock machine ip web)/")
    .action(run(async () => (await actions()).ipAction));
  machine.command("status").description("print a machine's state").argument("<name>")
    .addHelpText("after", "\nExample:\n  fdock machine status web")
    .action(run(async () => (await actions()).statusAction));
  machine.command("ssh").description("log in, or run a command, over SSH (host key checked)").argument("<name>").argument("[command...]", "a command to run (after --)")
    .addHelpText("after", "\nExamples:\n  fdock machine ssh web\n  fdock machine ssh web -- docker ps")
    .action(run(async () => (await actions()).sshAction));
  machine.command("scp").description("copy files to or from a machine (NAME:PATH)").argument("<from>").argument("<to>")
    .option("-r, --recursive", "copy folders", false)
    .addHelpText("after", "\nExample:\n  fdock machine scp ./backup.sql web:/tmp/")
    .action(run(async () => (await actions()).scpAction));
  for (const verb of ["start", "stop", "restart", "kill"] as const) {
    machine.command(verb).description(`${verb} a machine (where its driver can)`).argument("<name>")
      .addHelpText("after", `\nExample:\n  fdock machine ${verb} web`)
      .action(run(async () => (await actions()).powerAction(verb)));
  }
  machine.command("provision").description("install and start Docker on the machine if missing (safe to repeat)").argument("<name>")
    .addHelpText("after", "\nExample:\n  fdock machine provision web")
    .addOption(new Option("--ssh-timeout <seconds>", "how long to wait for SSH to answer").argParser(seconds).default(120))
    .action(run(async () => (await actions()).provisionAction));
  machine.command("rm").description("remove machines: the host (per driver), Docker context, ssh entry and local state").argument("<name...>")
    .option("-y, --yes", "do not ask", false)
    .option("-f, --force", "drop the local state even when the host or provider cannot be reached", false)
    .option("--dry-run", "list what would be removed, and remove nothing", false)
    .addHelpText("after", "\nExamples:\n  fdock machine rm --dry-run web\n  fdock machine rm -y web")
    .action(run(async () => (await actions()).rmAction));

  program.command("env").description("print the exports that point this shell's docker, compose and fdock at a machine")
    .argument("[name]")
    .option("-u, --unset", "print the unsets that point this shell back at the local engine", false)
    .addOption(new Option("--shell <shell>", "shell syntax (default: from $SHELL)").choices(["bash", "zsh", "fish", "powershell"]))
    .addHelpText("after", "\nExamples:\n  eval \"$(fdock env web)\"\n  eval \"$(fdock env -u)\"")
    .action(run(async () => (await actions()).envAction));
  program.command("use").description("switch the persistent Docker context (every shell) to a machine, or back with --default")
    .argument("[name]").option("--default", "back to the local engine", false)
    .addHelpText("after", "\nExamples:\n  fdock use web\n  fdock use --default")
    .action(run(async () => (await actions()).useAction));
  program.command("active").description("print the active machine (from the environment or `fdock use`)")
    .addHelpText("after", "\nExample:\n  fdock active")
    .action(run(async () => (await actions()).activeAction));
}
