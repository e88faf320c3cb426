/**
 * A driver for unit tests of the machine core (docker-machine's fakedriver): no host, no
 * network. Its state lives in its driver data; `--fake-fail-create` fails after the driver
 * "made" something, to check the core never orphans a half-made host.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../atomic-file.js";
import { checkHostAddress } from "../../flag-checks.js";
import type { CreateContext, Driver, DriverFactory, FlagValues, MachineState, RemoveOptions, SshHints, SshTarget } from "../../driver.js";

export const fakeFactory: DriverFactory = {
  async fromFlags(flags: FlagValues) {
    // Checked like the generic driver's address: the core writes it into fdock's ssh config.
    const ipAfterStart = typeof flags["fake-ip-after-start"] === "string" ? checkHostAddress("fake-ip-after-start", flags["fake-ip-after-start"]) : undefined;
    const ip = typeof flags["fake-ip"] === "string" ? checkHostAddress("fake-ip", flags["fake-ip"]) : "192.0.2.1";
    return new FakeDriver({ ip, failCreate: flags["fake-fail-create"] === true, state: "NotFound", ipAfterStart });
  },
  async load(data, dir) {
    const ipAfterStart = typeof data.ipAfterStart === "string" ? data.ipAfterStart : undefined;
    return new FakeDriver({ ip: String(data.ip), failCreate: false, state: (data.state as MachineState) ?? "Running", ipAfterStart }, dir);
  },
};

export default fakeFactory;

interface FakeData {
  ip: string;
  failCreate: boolean;
  state: MachineState;
  ipAfterStart?: string;
}

export class FakeDriver implements Driver {
  readonly driverName = "fake";
  readonly sshHints: SshHints = { port: " (--fake-ip sets the address)", address: "Check --fake-ip.", keyOrUser: "", rootUser: "Connect as root" };
  constructor(private data: FakeData, private dir = "") {}

  async preCreateCheck(): Promise<void> {}

  async plan(ctx: CreateContext): Promise<string[]> {
    return [`would pretend to make a host at ${this.data.ip}${this.data.failCreate ? ", then fail" : ""}, with its key in ${join(ctx.dir, "id")}`];
  }

  async create(ctx: CreateContext): Promise<void> {
    this.dir = ctx.dir;
    this.data.state = "Running";
    writeFileAtomic(join(ctx.dir, "id"), "fake key\n");
    await ctx.checkpoint();
    if (this.data.failCreate) throw new Error("the fake provider failed after making the host");
  }

  async start(): Promise<void> {
    this.data.state = "Running";
    if (this.data.ipAfterStart) this.data.ip = this.data.ipAfterStart;
  }
  async stop(): Promise<void> { this.data.state = "Stopped"; }
  async restart(): Promise<void> { this.data.state = "Running"; }
  async kill(): Promise<void> { this.data.state = "Stopped"; }
  async remove(_opts: RemoveOptions): Promise<string[]> {
    this.data.state = "NotFound";
    return ["removed the fake host"];
  }
  async state(): Promise<MachineState> { return this.data.state; }
  async ip(): Promise<string> { return this.data.ip; }
  ssh(): SshTarget { return { host: this.data.ip, port: 22, user: "root", keyPath: join(this.dir, "id") }; }
  toJSON(): Record<string, unknown> { return { ip: this.data.ip, state: this.data.state, ipAfterStart: this.data.ipAfterStart }; }
}
