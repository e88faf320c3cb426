import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PrecheckError } from "../../../errors.js";
import { tcpAnswers } from "../../../tcp-port.js";
import { NotSupportedError, type CreateContext, type Driver, type FlagValues, type MachineState, type RemoveOptions, type SshHints, type SshTarget } from "../../driver.js";
import { checkHostAddress, checkPort, checkText, checkUserName } from "../../flag-checks.js";
import { userHome } from "../../paths.js";
import { knownHostsLine, parsePin } from "../../ssh/host-key.js";
import { writeFileAtomic } from "../../atomic-file.js";
import { readPrivateKey } from "../../ssh/key-file.js";
import { GENERIC_DRIVER } from "./name.js";

export interface GenericOptions {
  ipAddress: string;
  sshUser: string;
  sshPort: number;
  /** The key as given; after create, the copy in the machine's folder is used. */
  sshKeySource: string;
  hostKey?: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : Array.isArray(v) ? str(v.at(-1)) : undefined);

/** Create's flags as validated options: every value reaches fdock's ssh config or ssh's argv. */
export function genericOptionsFromFlags(flags: FlagValues, env: NodeJS.ProcessEnv): GenericOptions {
  const ipText = str(flags["generic-ip-address"]);
  if (!ipText) throw new PrecheckError("--generic-ip-address is required: the address of the server.", "e.g. `fdock machine create --driver generic --generic-ip-address 203.0.113.10 web`");
  const ip = checkHostAddress("generic-ip-address", ipText);
  const port = checkPort("generic-ssh-port", str(flags["generic-ssh-port"]) ?? "22");
  const sshUser = checkUserName("generic-ssh-user", str(flags["generic-ssh-user"]) ?? "root");
  const home = userHome(env);
  const key = str(flags["generic-ssh-key"]) ?? [join(home, ".ssh", "id_ed25519"), join(home, ".ssh", "id_rsa")].find((p) => existsSync(p));
  if (!key) throw new PrecheckError(`No SSH key given and neither ~/.ssh/id_ed25519 nor ~/.ssh/id_rsa exists.`, "Give the key the server trusts with --generic-ssh-key PATH.");
  checkText("generic-ssh-key", key, "the path of the private key file");
  const hostKey = str(flags["generic-ssh-host-key"])?.trim() || undefined;
  if (hostKey) {
    checkText("generic-ssh-host-key", hostKey, "the host key on one line, or its SHA256 fingerprint");
    parsePin(hostKey); // a clear error now, not after create
  }
  return { ipAddress: ip, sshUser, sshPort: port, sshKeySource: key, hostKey };
}

/** An existing server: create adopts it (copies the key), remove forgets it; nothing remote changes. */
export class GenericDriver implements Driver {
  readonly driverName = GENERIC_DRIVER;
  readonly sshHints: SshHints = {
    port: " (--generic-ssh-port)",
    address: "Check --generic-ip-address.",
    keyOrUser: ", or give the right one with --generic-ssh-key / --generic-ssh-user",
    rootUser: "Connect as root (--generic-ssh-user root)",
  };
  private keyPath: string;

  constructor(private readonly opts: GenericOptions, private dir?: string) {
    this.keyPath = dir ? join(dir, "id") : opts.sshKeySource;
  }

  static fromData(data: Record<string, unknown>, dir: string): GenericDriver {
    return new GenericDriver(
      {
        ipAddress: String(data.ipAddress),
        sshUser: String(data.sshUser ?? "root"),
        sshPort: Number(data.sshPort ?? 22),
        sshKeySource: String(data.sshKeySource ?? ""),
        hostKey: typeof data.hostKey === "string" ? data.hostKey : undefined,
      },
      dir,
    );
  }

  async preCreateCheck(): Promise<void> {
    readPrivateKey(this.opts.sshKeySource); // exists, 0600, parses, no passphrase
  }

  async plan(): Promise<string[]> {
    return [`would adopt ${this.opts.sshUser}@${this.opts.ipAddress}:${this.opts.sshPort} with key ${this.opts.sshKeySource}`];
  }

  async create(ctx: CreateContext): Promise<void> {
    this.dir = ctx.dir;
    const copy = join(ctx.dir, "id");
    // 0600 from the first byte and whole or absent (a copy would take the source's mode first).
    writeFileAtomic(copy, readFileSync(this.opts.sshKeySource), { mode: 0o600 });
    this.keyPath = copy;
    ctx.reporter.emit({ kind: "info", message: `copied ${this.opts.sshKeySource} to ${copy} (0600)` });
  }

  async start(): Promise<void> { throw new NotSupportedError(GENERIC_DRIVER, "start"); }
  async stop(): Promise<void> { throw new NotSupportedError(GENERIC_DRIVER, "stop"); }
  async restart(): Promise<void> { throw new NotSupportedError(GENERIC_DRIVER, "restart"); }
  async kill(): Promise<void> { throw new NotSupportedError(GENERIC_DRIVER, "kill"); }

  async remove(opts: RemoveOptions): Promise<string[]> {
    return opts.dryRun ? [] : [`nothing to remove on ${this.opts.ipAddress}: the generic driver never changed the server's existence (Docker stays installed)`];
  }

  /** Running when sshd answers on the port; Error when nothing does (within 5 s). */
  async state(): Promise<MachineState> {
    return (await tcpAnswers(this.opts.ipAddress, this.opts.sshPort, 5_000)) ? "Running" : "Error";
  }

  async ip(): Promise<string> {
    return this.opts.ipAddress;
  }

  ssh(): SshTarget {
    return { host: this.opts.ipAddress, port: this.opts.sshPort, user: this.opts.sshUser, keyPath: this.keyPath };
  }

  async pinnedHostKey(): Promise<string | null> {
    if (!this.opts.hostKey) return null;
    const pin = parsePin(this.opts.hostKey);
    return pin.kind === "key" ? knownHostsLine("", pin.key).trim() : pin.fingerprint;
  }

  toJSON(): Record<string, unknown> {
    return { ipAddress: this.opts.ipAddress, sshUser: this.opts.sshUser, sshPort: this.opts.sshPort, sshKeySource: this.opts.sshKeySource, ...(this.opts.hostKey ? { hostKey: this.opts.hostKey } : {}) };
  }
}
