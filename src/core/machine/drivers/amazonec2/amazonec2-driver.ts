/**
 * The amazonec2 driver: an EC2 Docker host with its own IAM user, key pair and security group.
 * Which credentials a call uses is AwsSession's choice; a create is a list of steps
 * (machine-steps.ts) undone through the teardown `machine rm` uses (remove-resources.ts).
 */
import { basename, join } from "node:path";
import { inspect } from "node:util";
import { RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2";
import type { CoreOptions, CreateContext, Driver, MachineState, RemoveOptions, SshHints, SshTarget } from "../../driver.js";
import { PrecheckError, UserError } from "../../../errors.js";
import { step } from "../../../events.js";
import { machineResourceName, MACHINE_TAG } from "../../names.js";
import type { AwsApis } from "./aws-clients.js";
import { AwsSession } from "./aws-session.js";
import { EC2_STATES, type Amazonec2Data, type Amazonec2Deps } from "./driver-data.js";
import { runSteps } from "./create-step.js";
import { PRIVATE_KEY_FILE, describeInstance, readConsoleHostKey } from "./create-steps.js";
import { AMAZONEC2_DRIVER } from "./name.js";
import { machineSteps } from "./machine-steps.js";
import type { Amazonec2Options } from "./options.js";
import { planLines } from "./plan.js";
import { prepare, type Names, type Prepared } from "./prepare.js";
import { Secrets } from "./redact.js";
import { removeResources } from "./remove-resources.js";
import { pollUntil, withRetry } from "./retry.js";
import { Teardown } from "./teardown.js";

export class Amazonec2Driver implements Driver {
  readonly driverName = AMAZONEC2_DRIVER;
  readonly sshHints: SshHints = {
    port: " (port 22 is open only to --amazonec2-ssh-cidr)",
    address: "Read the instance's address again with `fdock machine start NAME` (a stopped instance has none).",
    keyOrUser: "; --amazonec2-ssh-user names the image's own user",
    rootUser: "Use an image whose SSH user (--amazonec2-ssh-user) has passwordless sudo",
  };
  readonly #deps: Amazonec2Deps;
  readonly #core: CoreOptions;
  readonly #secrets = new Secrets();
  readonly #session: AwsSession;
  /** Everything saved in config.json; the one mutable record of this machine. */
  readonly #data: Amazonec2Data;
  #dir?: string;

  constructor(deps: Amazonec2Deps, opts: Amazonec2Options, core: CoreOptions, data?: Amazonec2Data, dir?: string) {
    this.#deps = deps;
    this.#core = core;
    this.#dir = dir;
    const stored = data ? { ...data } : undefined;
    this.#data = {
      version: 1,
      ...stored,
      machine: data?.machine ?? (dir ? basename(dir) : undefined),
      options: { ...opts, sshTimeoutSeconds: core.sshTimeoutSeconds },
      resources: data?.resources ?? { made: [] },
    };
    this.#session = new AwsSession(deps, this.#secrets, { region: data?.region ?? opts.region, dir: () => this.#dir, machine: () => this.#data.machine });
  }

  get #opts(): Amazonec2Options {
    return this.#data.options;
  }

  #names(machine: string): Names {
    const r = this.#data.resources;
    return {
      machine,
      iamUser: r.iamUser ?? this.#opts.iamUser ?? machineResourceName(machine),
      keyPairName: r.keyPairName ?? machineResourceName(machine),
      securityGroupName: machineResourceName(machine),
    };
  }

  // ---- create -------------------------------------------------------------------------------

  async #prepare(ctx: CreateContext): Promise<Prepared> {
    this.#data.machine = ctx.name;
    this.#dir = ctx.dir;
    this.#data.prepared ??= await prepare(await this.#session.caller(), this.#deps.policy, this.#opts, this.#names(ctx.name), this.#deps.chain, this.#deps.lookupAddress);
    return this.#data.prepared;
  }

  async preCreateCheck(ctx: CreateContext): Promise<void> {
    try {
      await this.#prepare(ctx);
    } catch (e) {
      if (e instanceof UserError && !(e instanceof PrecheckError)) throw new PrecheckError(e.message, e.hint, e.detail);
      throw e;
    }
  }

  async plan(ctx: CreateContext): Promise<string[]> {
    const prepared = await this.#prepare(ctx);
    const o = this.#opts;
    const region = await this.#session.region();
    const options = { instanceType: o.instanceType, rootSize: o.rootSize, openPorts: o.openPorts, sshUser: o.sshUser, tags: o.tags };
    return planLines({ ...this.#names(ctx.name), ...prepared, region, dir: ctx.dir, ...options });
  }

  async create(ctx: CreateContext): Promise<void> {
    const reporter = this.#secrets.reporter(ctx.reporter);
    const apis = await this.#session.caller();
    const prepared = await step(reporter, "aws-precheck", "Checking AWS credentials, region, image, network and the name", () => this.#prepare(ctx));
    const r = this.#data.resources;
    const steps = machineSteps({
      apis,
      policy: this.#deps.policy,
      opts: this.#opts,
      core: this.#core,
      names: this.#names(ctx.name),
      prepared,
      dir: ctx.dir,
      resources: r,
      secrets: this.#secrets,
      signal: ctx.signal,
      teardown: new Teardown(apis, this.#deps.policy, this.#deps.timeouts),
      probe: this.#deps.probe,
      runningMs: this.#deps.timeouts.runningMs,
      facts: this.#data,
      checkpoint: () => ctx.checkpoint(),
      info: (message) => reporter.emit({ kind: "info", message }),
      made: async (kind) => {
        if (!r.made.includes(kind)) r.made.push(kind);
        await ctx.checkpoint();
      },
      unmade: async (kinds) => {
        r.made = r.made.filter((k) => !kinds.includes(k));
        await ctx.checkpoint().catch(() => undefined);
      },
    });
    const rmHint = `run \`fdock machine rm --force ${ctx.name}\`, which finds them by their ${MACHINE_TAG} tag.`;
    await runSteps(steps, { reporter, signal: ctx.signal, redact: (t) => this.#secrets.redact(t) }, rmHint).catch((e) => {
      throw this.#session.explain(e, apis);
    });
  }

  async remove(opts: RemoveOptions): Promise<string[]> {
    const machine = this.#data.machine;
    if (!machine) throw new UserError("The machine's name is unknown: nothing to look up in AWS.");
    const c = { machine, resources: this.#data.resources, iamUser: this.#names(machine).iamUser, session: this.#session, secrets: this.#secrets, policy: this.#deps.policy, timeouts: this.#deps.timeouts };
    const removed = await removeResources(c, opts);
    if (!opts.dryRun) this.#data.resources = { made: [] };
    return removed;
  }

  // ---- everyday operations (the machine user's key) ----------------------------------------

  #instanceId(): string {
    const id = this.#data.resources.instanceId;
    const machine = this.#data.machine;
    if (!id) throw new UserError(`Machine ${machine} has no instance recorded.`, `Remove it with \`fdock machine rm ${machine}\` and create it again.`);
    return id;
  }

  /** Reads the instance, remembering its addresses (they change on stop/start). */
  async #describe(apis: AwsApis) {
    const i = await describeInstance(apis, this.#deps.policy, this.#instanceId());
    this.#data.ip = i?.PublicIpAddress;
    this.#data.privateIp = i?.PrivateIpAddress;
    return i;
  }

  /** Until the instance is in state `until`; its addresses then remembered. */
  async #waitFor(apis: AwsApis, until: string): Promise<void> {
    const id = this.#instanceId();
    await pollUntil(
      this.#deps.policy,
      async () => {
        const state = (await this.#describe(apis))?.State?.Name;
        if (state === "terminated") throw new UserError(`The instance ${id} was terminated.`);
        return state === until ? true : undefined;
      },
      { timeoutMs: this.#deps.timeouts.runningMs, intervalMs: 5_000, what: `Waiting for instance ${id} to be ${until}` },
    );
  }

  async #power(what: string, command: StartInstancesCommand | StopInstancesCommand | RebootInstancesCommand, until?: string): Promise<void> {
    await this.#session.asMachine(what, async (apis) => {
      await withRetry(this.#deps.policy, () => apis.ec2.send(command as StopInstancesCommand));
      if (until) await this.#waitFor(apis, until);
    });
  }

  start = () => this.#power("start the instance", new StartInstancesCommand({ InstanceIds: [this.#instanceId()] }), "running");
  stop = () => this.#power("stop the instance", new StopInstancesCommand({ InstanceIds: [this.#instanceId()] }), "stopped");
  kill = () => this.#power("stop the instance", new StopInstancesCommand({ InstanceIds: [this.#instanceId()], Force: true }), "stopped");
  restart = () => this.#power("reboot the instance", new RebootInstancesCommand({ InstanceIds: [this.#instanceId()] }));

  async state(): Promise<MachineState> {
    if (!this.#data.resources.instanceId) return "NotFound";
    return this.#session.asMachine("read the instance's state", async (apis) => {
      const i = await describeInstance(apis, this.#deps.policy, this.#instanceId());
      return i?.State?.Name ? (EC2_STATES[i.State.Name] ?? "Unknown") : "NotFound";
    });
  }

  /** Reads the public IP again (it changes on stop/start) and remembers it for ssh() and toJSON(). */
  async ip(): Promise<string> {
    return this.#session.asMachine("read the instance's address", async (apis) => {
      const i = await this.#describe(apis);
      const machine = this.#data.machine;
      if (!this.#data.ip) throw new UserError(`Machine ${machine} has no public IP address (it is ${i?.State?.Name ?? "gone"}).`, `Start it with \`fdock machine start ${machine}\`.`);
      return this.#data.ip;
    });
  }

  ssh(): SshTarget {
    return { host: this.#data.ip ?? "", port: 22, user: this.#opts.sshUser, keyPath: join(this.#dir ?? ".", PRIVATE_KEY_FILE) };
  }

  /** The host key cloud-init printed on the console ("ssh-ed25519 AAAA..."), or null when it is not there (yet). */
  async pinnedHostKey(): Promise<string | null> {
    if (this.#data.hostKey) return this.#data.hostKey;
    if (!this.#data.resources.instanceId) return null;
    const key = await this.#session.asMachine("read the console output", (apis) => readConsoleHostKey(apis, this.#deps.policy, this.#instanceId())).catch(() => null);
    if (key) this.#data.hostKey = key;
    return key;
  }

  toJSON(): Record<string, unknown> {
    const data: Amazonec2Data = { ...this.#data, region: this.#session.regionChosen, resources: { ...this.#data.resources, made: [...this.#data.resources.made] } };
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  }

  [inspect.custom](): string {
    return `Amazonec2Driver ${inspect(this.toJSON(), { depth: 4 })}`;
  }
}
