/**
 * `fdock machine …`: create and manage Docker hosts, one file per verb under machine/. Driver
 * flags come from the drivers' light flag lists (no SDK).
 */
import type { Command } from "commander";
import { registerCreate } from "./machine/create.js";
import { registerInspect } from "./machine/inspect.js";
import { registerIp } from "./machine/ip.js";
import { registerLs } from "./machine/ls.js";
import { registerPower } from "./machine/power.js";
import { registerProvision } from "./machine/provision.js";
import { registerRm } from "./machine/rm.js";
import { registerScp } from "./machine/scp.js";
import { registerSsh } from "./machine/ssh.js";
import { registerStatus } from "./machine/status.js";

export function registerMachine(program: Command): void {
  const machine = program
    .command("machine")
    .description("create and manage Docker hosts (docker-machine's commands)")
    .addHelpText("after", "\nExample:\n  fdock machine create --driver generic --generic-ip-address 203.0.113.10 web\n  eval \"$(fdock env web)\"\n  fdock up --remote");
  for (const register of [registerCreate, registerLs, registerInspect, registerIp, registerStatus, registerSsh, registerScp, registerPower, registerProvision, registerRm]) {
    register(machine);
  }
}
