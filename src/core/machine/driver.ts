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

/** The machine core's own create options, which a driver honours (they are not driver flags). */
export interface CoreOptions {
  /** Record the machine: no SSH wait, no provisioning. */
  noProvision: boolean;
  /** Bounds the wait for SSH, in seconds. */
  sshTimeoutSeconds: number;
}

/** The machine core's default for --ssh-timeout. */
export const DEFAULT_SSH_TIMEOUT_SECONDS = 120;

export const defaultCoreOptions: CoreOptions = { noProvision: false, sshTimeoutSeconds: DEFAULT_SSH_TIMEOUT_SECONDS };

/**
 * What the shared SSH layer tells a user to change when SSH fails, in the words of the
 * driver's own flags (a generic host's port is a flag; an EC2 machine's is always 22).
 */
export interface SshHints {
  /** Where the port comes from, after "listens on port N": " (--generic-ssh-port)". */
  port: string;
  /** What to check when the host name does not resolve. */
  address: string;
  /** How to give another key or user, after "add the key to authorized_keys": ", or …". */
  keyOrUser: string;
  /** How to connect as a user that can sudo without a password. */
  rootUser: string;
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
  /** What create would make, one line each, making nothing (`machine create --dry-run`). Runs after preCreateCheck. */
  plan(ctx: CreateContext): Promise<string[]>;
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
  /** Hints for SSH failures, naming this driver's flags. */
  readonly sshHints: SshHints;
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
 * A driver's code, loaded on demand by its registry entry (drivers/index.ts): it may bring a
 * heavy SDK, so `--help` and flag parsing never import it.
 */
export interface DriverFactory {
  /** A new driver from create's driver flags (parsed by the CLI into strings / arrays / booleans) and the core's options. */
  fromFlags(flags: FlagValues, env: NodeJS.ProcessEnv, core: CoreOptions): Promise<Driver>;
  /** The driver of a stored machine, from its config.json driver data and its folder. */
  load(data: Record<string, unknown>, dir: string, env: NodeJS.ProcessEnv): Promise<Driver>;
}

/**
 * A driver's entry in the registry (drivers/index.ts): what `machine create --help` and flag
 * parsing need (description, flags; no SDK) and a loader that imports the driver on demand.
 */
export interface DriverEntry {
  name: string;
  description: string;
  flags: DriverFlag[];
  /** Left out of help (the fake driver, for tests). */
  hidden?: boolean;
  /** Imports the driver's code (it may bring an SDK). */
  load(): Promise<DriverFactory>;
}
