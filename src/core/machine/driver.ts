/**
 * The contract between fdock's machine commands and the places a Docker host can live
 * (docker-machine's Driver, kept small). A driver knows how to make, reach and remove one
 * host; it never touches the local store, ssh config or Docker contexts: the machine core does.
 */

export type MachineState = "Running" | "Stopped" | "Starting" | "Stopping" | "Error" | "NotFound" | "Unknown";

/** How to reach a host over SSH. keyPath is a private key file under the machine's folder (0600). */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  keyPath: string;
}

/** What every driver's create receives from the machine core. */
export interface CreateContext {
  /** The machine name, already validated. */
  name: string;
  /** The machine's folder in the store (FDOCK_HOME/machines/NAME), created 0700. */
  dir: string;
  /** Progress and the host key to pin: drivers report, the core persists. */
  reporter: import("../events.js").Reporter;
  /** Called as soon as the driver has made something that must be cleaned up, so the core can save state before the next step. */
  checkpoint(): Promise<void>;
  /** Aborted on the first Ctrl-C: finish the call in flight, clean up, throw. */
  signal: AbortSignal;
}

export interface RemoveOptions {
  /** Drop what can be dropped even when the host or cloud answers with errors. */
  force: boolean;
  dryRun?: boolean;
  reporter: import("../events.js").Reporter;
}

export interface Driver {
  /** "generic", "amazonec2", "fake": stored in the machine's config. */
  readonly driverName: string;
  /** Checks that need no resources (credentials, name free, flags valid). Throws PrecheckError. */
  preCreateCheck(ctx: CreateContext): Promise<void>;
  /** Makes the host (or adopts an existing one); on failure removes whatever it made. */
  create(ctx: CreateContext): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  kill(): Promise<void>;
  remove(opts: RemoveOptions): Promise<string[]>;
  state(): Promise<MachineState>;
  ip(): Promise<string>;
  ssh(): SshTarget;
  /** The host key to pin, as a known_hosts key part ("ssh-ed25519 AAAA..."), when the driver learned it out of band. */
  pinnedHostKey?(): Promise<string | null>;
  /** Driver data saved in the machine's config.json (never secrets: those go in their own 0600 files). */
  toJSON(): Record<string, unknown>;
}

/** Thrown by a driver for an operation its kind of host cannot do (stop on a generic host). */
export class NotSupportedError extends Error {
  constructor(driver: string, operation: string) {
    super(`The ${driver} driver cannot ${operation} a machine: do it with your provider's tools.`);
  }
}

/** A flag of `fdock machine create` that belongs to one driver ("amazonec2-region"). */
export interface DriverFlag {
  name: string;
  description: string;
  takesValue: boolean;
  repeatable?: boolean;
  defaultValue?: string;
}

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

/**
 * One kind of host. The flag list lives in a module that imports no SDK, so `--help` stays
 * light; `load` brings the heavy parts in only when a command needs them.
 */
export interface DriverFactory {
  name: string;
  description: string;
  flags: DriverFlag[];
  /** A new driver from create's flags (already parsed by the CLI into strings / arrays / booleans). */
  fromFlags(flags: FlagValues, env: NodeJS.ProcessEnv): Promise<Driver>;
  /** The driver of a stored machine, from its config.json driver data and its folder. */
  load(data: Record<string, unknown>, dir: string, env: NodeJS.ProcessEnv): Promise<Driver>;
}
