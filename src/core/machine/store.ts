import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { SshTarget } from "./driver.js";
import { writeFileAtomic } from "./atomic-file.js";
import { isValidMachineName, validateMachineName } from "./names.js";
import { machineDir, machinesDir } from "./paths.js";

export const CONFIG_VERSION = 1;

/** creating: the driver is making the host; created: it exists, not provisioned; ready: Docker answers. */
export type MachineStatus = "creating" | "created" | "provisioning" | "ready" | "error";

/** FDOCK_HOME/machines/NAME/config.json. Never holds secrets: keys are files of their own. */
export interface MachineConfig {
  version: number;
  name: string;
  driver: string;
  driverData: Record<string, unknown>;
  ssh: SshTarget | null;
  state: MachineStatus;
  createdAt: string;
  /** The remote engine's version, once provisioned. */
  engineVersion?: string;
  /** The last failure, so `ls` and `inspect` can say what went wrong. */
  error?: string;
}

export class UnknownMachineError extends UserError {
  constructor(name: string) {
    super(`There is no machine named "${name}".`, "`fdock machine ls` lists the machines; `fdock machine create` makes one.");
  }
}

/** A machine folder as listAll finds it: its config, or the reason it cannot be read. */
export interface StoredMachine {
  name: string;
  config?: MachineConfig;
  error?: string;
}

/** The machines on this workstation: exists, list, load, save, remove (docker-machine's persist.Store). */
export class MachineStore {
  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  dir(name: string): string {
    return machineDir(name, this.env);
  }

  configPath(name: string): string {
    return join(this.dir(name), "config.json");
  }

  exists(name: string): boolean {
    return isValidMachineName(name) && existsSync(this.configPath(name));
  }

  /** Makes the machine's folder (0700) and returns it. */
  ensureDir(name: string): string {
    mkdirSync(machinesDir(this.env), { recursive: true, mode: 0o700 });
    mkdirSync(this.dir(name), { recursive: true, mode: 0o700 });
    return this.dir(name);
  }

  save(config: MachineConfig): void {
    validateMachineName(config.name);
    this.ensureDir(config.name);
    writeFileAtomic(this.configPath(config.name), JSON.stringify(config, null, 2) + "\n");
  }

  /** Throws UnknownMachineError unless the machine has a config file (readable or not). */
  require(name: string): void {
    validateMachineName(name);
    if (!this.exists(name)) throw new UnknownMachineError(name);
  }

  load(name: string): MachineConfig {
    this.require(name);
    const path = this.configPath(name);
    let data: MachineConfig;
    try {
      data = JSON.parse(readFileSync(path, "utf8")) as MachineConfig;
      if (!data || typeof data !== "object" || typeof data.name !== "string") throw new Error("not a machine config");
    } catch (e) {
      throw new UserError(`The config of machine "${name}" cannot be read (${(e as Error).message}).`, `Look at ${path}, or remove the machine with \`fdock machine rm -f ${name}\`.`);
    }
    return migrate(data, path);
  }

  /** The machines whose config can be read; one that cannot is left out (listAll shows it). */
  list(): MachineConfig[] {
    return this.listAll().flatMap((e) => (e.config ? [e.config] : []));
  }

  /** Every machine folder with a config file: its config, or why it cannot be read. One bad file never hides the others. */
  listAll(): StoredMachine[] {
    const root = machinesDir(this.env);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((n) => this.exists(n))
      .sort()
      .map((name) => {
        try {
          return { name, config: this.load(name) };
        } catch (e) {
          return { name, error: (e as Error).message };
        }
      });
  }

  remove(name: string): void {
    validateMachineName(name);
    rmSync(this.dir(name), { recursive: true, force: true });
  }
}

/** Config versions: 1 is the first; later versions migrate older files here. */
function migrate(data: MachineConfig, path: string): MachineConfig {
  if (data.version === CONFIG_VERSION) return data;
  throw new UserError(
    `${path} has config version ${String(data.version)}, which this fdock does not know.`,
    "It was written by a newer fdock: upgrade fdock.",
  );
}
