/**
 * The amazonec2 driver: an EC2 Docker host with its own IAM user, key pair and security group.
 * Create and rm use the caller's credentials; everyday operations use the machine's own key.
 */
import { rm as rmFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { inspect } from "node:util";
import { DeleteAccessKeyCommand, DeleteUserPolicyCommand } from "@aws-sdk/client-iam";
import { RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2";
import type { CreateContext, Driver, MachineState, RemoveOptions, SshTarget } from "../../driver.js";
import { PrecheckError, UserError } from "../../../errors.js";
import { step, type Reporter } from "../../../events.js";
import type { AwsApis } from "./aws-clients.js";
import { hasCode, isCredentialsError } from "./aws-errors.js";
import {
  PRIVATE_KEY_FILE,
  createIamUser,
  createSecurityGroup,
  describeInstance,
  importKeyPair,
  readConsoleHostKey,
  runInstance,
  waitRunning,
  type StepContext,
} from "./create-steps.js";
import { CREDENTIALS_FILE, readMachineCredentials, type MachineCredentials } from "./machine-credentials.js";
import { describeFound, findInstances, findMachine, isEmpty, type RecordedResources, type ResourceKind } from "./machine-resources.js";
import type { Amazonec2Options } from "./options.js";
import type { AddressLookup } from "./own-address.js";
import { planLines } from "./plan.js";
import { explainAwsError, prepare, type Names, type Prepared } from "./prepare.js";
import { Secrets } from "./redact.js";
import { InterruptedError, pollUntil, withRetry, type RetryPolicy } from "./retry.js";
import type { PortProbe } from "./ssh-probe.js";
import { deleteIamUser, deleteKeyPair, deleteSecurityGroup, terminateInstances, type TeardownTimeouts } from "./teardown.js";
import { AMAZONEC2_DRIVER } from "./flags.js";

export interface Amazonec2Deps {
  /** AWS APIs in a region, with the caller's credentials (SDK chain) or the machine user's key. */
  connect(region: string, who: "caller" | MachineCredentials): AwsApis;
  /** The region when neither flag nor AWS_REGION gave one (the profile's), or undefined. */
  profileRegion(): Promise<string | undefined>;
  /** Which credential chain was tried, for error messages. */
  chain: string;
  policy: RetryPolicy;
  probe: PortProbe;
  lookupAddress: AddressLookup;
  timeouts: TeardownTimeouts & { runningMs: number };
}

/** What config.json holds for an amazonec2 machine: ids and choices, never a secret. */
export interface Amazonec2Data {
  version: 1;
  machine?: string;
  region?: string;
  options: Omit<Amazonec2Options, "dryRun" | "noProvision" | "sshTimeoutSeconds"> & { sshTimeoutSeconds: number };
  prepared?: Prepared;
  resources: RecordedResources;
  ip?: string;
  privateIp?: string;
  hostKey?: string;
}

const STATES: Record<string, MachineState> = {
  pending: "Starting",
  running: "Running",
  stopping: "Stopping",
  stopped: "Stopped",
  "shutting-down": "Stopping",
  terminated: "NotFound",
};

export class Amazonec2Driver implements Driver {
  readonly driverName = AMAZONEC2_DRIVER;
  readonly #deps: Amazonec2Deps;
  readonly #opts: Amazonec2Options;
  readonly #secrets = new Secrets();
  #machine?: string;
  #dir?: string;
  #region?: string;
  #prepared?: Prepared;
  #resources: RecordedResources;
  #ip?: string;
  #privateIp?: string;
  #hostKey?: string;
  #callerApis?: AwsApis;
  #opsApis?: AwsApis;

  constructor(deps: Amazonec2Deps, opts: Amazonec2Options, data?: Amazonec2Data, dir?: string) {
    this.#deps = deps;
    this.#opts = opts;
    this.#resources = data?.resources ?? { made: [] };
    this.#machine = data?.machine ?? (dir ? basename(dir) : undefined);
    this.#dir = dir;
    this.#region = data?.region ?? opts.region;
    this.#prepared = data?.prepared;
    this.#ip = data?.ip;
    this.#privateIp = data?.privateIp;
    this.#hostKey = data?.hostKey;
  }

  // ---- naming -------------------------------------------------------------------------------

  #names(machine: string): Names {
    return {
      machine,
      iamUser: this.#resources.iamUser ?? this.#opts.iamUser ?? `fdock-${machine}`,
      keyPairName: this.#resources.keyPairName ?? `fdock-${machine}`,
      securityGroupName: `fdock-${machine}`,
    };
  }

  async #regionName(): Promise<string> {
    this.#region ??= (await this.#deps.profileRegion()) ?? "us-east-1";
    return this.#region;
  }

  async #caller(): Promise<AwsApis> {
    this.#callerApis ??= this.#deps.connect(await this.#regionName(), "caller");
    return this.#callerApis;
  }

  /** The machine user's key when there is one (a stored machine), else the caller's credentials. */
  async #ops(): Promise<AwsApis> {
    if (this.#opsApis) return this.#opsApis;
    const creds = this.#dir && !this.#callerApis ? await readMachineCredentials(this.#dir) : undefined;
    if (creds) {
      this.#secrets.add(creds.secretAccessKey);
      this.#opsApis = this.#deps.connect(await this.#regionName(), creds);
    } else {
      this.#opsApis = await this.#caller();
    }
    return this.#opsApis;
  }

  async #opsCall<T>(what: string, fn: (apis: AwsApis) => Promise<T>): Promise<T> {
    const apis = await this.#ops();
    try {
      return await fn(apis);
    } catch (e) {
      if (isCredentialsError(e) && apis !== this.#callerApis) {
        throw new UserError(
          `AWS refused machine ${this.#machine}'s own access key (${CREDENTIALS_FILE}) to ${what}.`,
          `The machine's IAM user may have been deleted; remove the machine with \`fdock machine rm ${this.#machine}\` (it uses your own credentials).`,
        );
      }
      throw this.#secrets.error(explainAwsError(e, apis.region, this.#deps.chain));
    }
  }

  // ---- create -------------------------------------------------------------------------------

  async #prepare(ctx: CreateContext): Promise<Prepared> {
    this.#machine = ctx.name;
    this.#dir = ctx.dir;
    if (!this.#prepared) {
      const apis = await this.#caller();
      this.#prepared = await prepare(apis, this.#deps.policy, this.#opts, this.#names(ctx.name), this.#deps.chain, this.#deps.lookupAddress);
    }
    return this.#prepared;
  }

  async preCreateCheck(ctx: CreateContext): Promise<void> {
    try {
      await this.#prepare(ctx);
    } catch (e) {
      if (e instanceof UserError && !(e instanceof PrecheckError)) throw new PrecheckError(e.message, e.hint, e.detail);
      throw e;
    }
  }

  async create(ctx: CreateContext): Promise<void> {
    const reporter = this.#secrets.reporter(ctx.reporter);
    const names = this.#names(ctx.name);
    const apis = await this.#caller();
    const prepared = await step(reporter, "aws-precheck", "Checking AWS credentials, region, image, network and the name", () => this.#prepare(ctx));

    if (this.#opts.dryRun) {
      const lines = planLines({
        ...names,
        ...prepared,
        region: apis.region,
        dir: ctx.dir,
        instanceType: this.#opts.instanceType,
        rootSize: this.#opts.rootSize,
        openPorts: this.#opts.openPorts,
        sshUser: this.#opts.sshUser,
        tags: this.#opts.tags,
      });
      for (const message of lines) reporter.emit({ kind: "info", message });
      return;
    }

    const c: StepContext = {
      apis,
      policy: this.#deps.policy,
      opts: this.#opts,
      names,
      prepared,
      dir: ctx.dir,
      resources: this.#resources,
      secrets: this.#secrets,
      signal: ctx.signal,
      made: async (kind: ResourceKind) => {
        if (!this.#resources.made.includes(kind)) this.#resources.made.push(kind);
        await ctx.checkpoint();
      },
    };
    const checkSignal = () => {
      if (ctx.signal.aborted) throw new InterruptedError();
    };

    try {
      checkSignal();
      await step(reporter, "aws-iam-user", `Creating IAM user ${names.iamUser} with a policy for this machine only, and its access key`, () => createIamUser(c));
      checkSignal();
      await step(reporter, "aws-key-pair", `Making an ed25519 key and importing it as key pair ${names.keyPairName}`, () => importKeyPair(c));
      checkSignal();
      await step(reporter, "aws-security-group", `Creating security group ${names.securityGroupName}: 80${this.#opts.openPorts.map((p) => `, ${p.port}`).join("")} from anywhere, 22 from ${prepared.sshCidr}`, () =>
        createSecurityGroup(c),
      );
      checkSignal();
      const id = await step(reporter, "aws-instance", `Launching a ${this.#opts.instanceType} instance from ${prepared.ami}`, () => runInstance(c));
      const instance = await step(reporter, "aws-running", `Waiting for instance ${id} to run`, () =>
        waitRunning(apis, this.#deps.policy, id, this.#deps.timeouts.runningMs, ctx.signal),
      );
      this.#ip = instance.PublicIpAddress;
      this.#privateIp = instance.PrivateIpAddress;
      if (!this.#ip) throw new UserError(`The instance ${id} has no public IP address.`, "Use a public subnet (--amazonec2-subnet-id) whose route table has an internet gateway.");
      await ctx.checkpoint();

      if (this.#opts.noProvision) {
        this.#hostKey = (await readConsoleHostKey(apis, this.#deps.policy, id).catch(() => null)) ?? undefined;
        reporter.emit({ kind: "info", message: `Machine ${ctx.name} is at ${this.#ip}; SSH not waited for (--no-provision).` });
      } else {
        checkSignal();
        await step(reporter, "aws-ssh", `Waiting for SSH on ${this.#ip}:22 (up to ${this.#opts.sshTimeoutSeconds} s)`, () => this.#waitSsh(ctx.signal));
        const key = await step(reporter, "aws-host-key", "Reading the host key from the instance's console output", () =>
          this.#pollHostKey(apis, id, ctx.signal),
        );
        if (key) this.#hostKey = key;
        else reporter.emit({ kind: "info", message: "The console output does not show the host key yet; it was not pinned." });
      }
      await ctx.checkpoint();
    } catch (e) {
      const cause = ctx.signal.aborted && !(e instanceof InterruptedError) ? new InterruptedError() : e;
      await this.#rollback(apis, reporter, ctx, cause);
      throw this.#secrets.error(explainAwsError(cause, apis.region, this.#deps.chain));
    }
  }

  async #waitSsh(signal: AbortSignal): Promise<void> {
    const timeoutMs = this.#opts.sshTimeoutSeconds * 1000;
    const host = this.#ip!;
    try {
      await pollUntil(
        this.#deps.policy,
        async () => ((await this.#deps.probe(host, 22, Math.min(5_000, timeoutMs))) ? true : undefined),
        { timeoutMs, intervalMs: 3_000, signal, what: `SSH on ${host}:22 did not answer` },
      );
    } catch (e) {
      if (e instanceof InterruptedError) throw e;
      throw new UserError(
        `SSH on ${host}:22 did not answer within ${this.#opts.sshTimeoutSeconds} s; everything this create made was removed.`,
        `Check that ${this.#prepared?.sshCidr} is your address (--amazonec2-ssh-cidr), or allow more time with --ssh-timeout.`,
      );
    }
  }

  async #pollHostKey(apis: AwsApis, id: string, signal: AbortSignal): Promise<string | null> {
    try {
      return await pollUntil(this.#deps.policy, async () => (await readConsoleHostKey(apis, this.#deps.policy, id)) ?? undefined, {
        timeoutMs: this.#opts.sshTimeoutSeconds * 1000,
        intervalMs: 10_000,
        signal,
        what: "Console output",
      });
    } catch (e) {
      if (e instanceof InterruptedError) throw e;
      return null;
    }
  }

  /** Removes what this create recorded as made, newest first; what cannot be removed is named in the error. */
  async #rollback(apis: AwsApis, reporter: Reporter, ctx: CreateContext, cause: unknown): Promise<void> {
    const r = this.#resources;
    const left: string[] = [];
    await step(reporter, "aws-rollback", "Removing what this create made", async () => {
      for (const kind of [...r.made].reverse()) {
        try {
          await this.#undo(apis, kind, ctx.dir);
          r.made = r.made.filter((k) => k !== kind);
          await ctx.checkpoint().catch(() => undefined);
        } catch (e) {
          left.push(`${kind}: ${this.#secrets.redact((e as Error).message)}`);
        }
      }
      if (left.length) throw new Error(`could not remove ${left.join("; ")}`);
    }).catch(() => undefined);
    if (left.length && cause instanceof Error) {
      cause.message += ` Some resources could not be removed (${left.join("; ")}): run \`fdock machine rm --force ${ctx.name}\`, which finds them by their ${"fdock:machine"} tag.`;
    }
  }

  async #undo(apis: AwsApis, kind: ResourceKind, dir: string): Promise<void> {
    const r = this.#resources;
    const p = this.#deps.policy;
    const t = this.#deps.timeouts;
    switch (kind) {
      case "instance": {
        const ids = r.instanceId ? [r.instanceId] : await findInstances(apis, p, this.#machine!, r.clientToken);
        await terminateInstances(apis, p, ids, t.terminateMs);
        return;
      }
      case "security-group":
        if (r.securityGroupId) await deleteSecurityGroup(apis, p, r.securityGroupId, t.securityGroupMs);
        return;
      case "key-pair":
        if (r.keyPairName) await deleteKeyPair(apis, p, r.keyPairName);
        await rmFile(join(dir, PRIVATE_KEY_FILE), { force: true });
        return;
      case "access-key":
        if (r.accessKeyId && r.iamUser) {
          await withRetry(p, () => apis.iam.send(new DeleteAccessKeyCommand({ UserName: r.iamUser!, AccessKeyId: r.accessKeyId! }))).catch((e) => {
            if (!hasCode(e, "NoSuchEntity")) throw e;
          });
        }
        await rmFile(join(dir, CREDENTIALS_FILE), { force: true });
        return;
      case "iam-policy":
        if (r.iamPolicy && r.iamUser) {
          await withRetry(p, () => apis.iam.send(new DeleteUserPolicyCommand({ UserName: r.iamUser!, PolicyName: r.iamPolicy! }))).catch((e) => {
            if (!hasCode(e, "NoSuchEntity")) throw e;
          });
        }
        return;
      case "iam-user":
        if (r.iamUser) await deleteIamUser(apis, p, r.iamUser, t.iamUserAttempts);
        return;
    }
  }

  // ---- remove -------------------------------------------------------------------------------

  async remove(opts: RemoveOptions): Promise<string[]> {
    const reporter = this.#secrets.reporter(opts.reporter);
    const machine = this.#machine;
    if (!machine) throw new UserError("The machine's name is unknown: nothing to look up in AWS.");
    const apis = await this.#caller();
    const p = this.#deps.policy;
    const t = this.#deps.timeouts;
    const found = await step(reporter, "aws-find", `Finding machine ${machine}'s resources in ${apis.region} (recorded and tagged)`, () =>
      findMachine(apis, p, machine, this.#resources, this.#names(machine).iamUser),
    ).catch((e) => {
      throw this.#secrets.error(explainAwsError(e, apis.region, this.#deps.chain));
    });
    const all = describeFound(found);
    if (opts.dryRun) {
      for (const line of all.length ? all : ["nothing in AWS"]) reporter.emit({ kind: "info", message: `Would delete ${line}` });
      return all;
    }
    if (isEmpty(found)) return [];

    const removed: string[] = [];
    const failed: string[] = [];
    const attempt = async (id: string, title: string, what: string[], fn: () => Promise<void>) => {
      if (!what.length) return;
      try {
        await step(reporter, id, title, fn);
        removed.push(...what);
      } catch (e) {
        failed.push(`${what.join(", ")}: ${this.#secrets.redact((e as Error).message)}`);
      }
    };
    await attempt("aws-terminate", `Terminating ${found.instanceIds.join(", ")} and waiting until it is gone`, found.instanceIds.map((i) => `EC2 instance ${i}`), () =>
      terminateInstances(apis, p, found.instanceIds, t.terminateMs),
    );
    for (const g of found.securityGroupIds) {
      await attempt("aws-security-group", `Deleting security group ${g}`, [`security group ${g}`], () => deleteSecurityGroup(apis, p, g, t.securityGroupMs));
    }
    for (const k of found.keyPairNames) {
      await attempt("aws-key-pair", `Deleting key pair ${k}`, [`key pair ${k}`], () => deleteKeyPair(apis, p, k));
    }
    if (found.iamUser) {
      const u = found.iamUser;
      await attempt("aws-iam-user", `Deleting IAM user ${u} after its access keys and policies`, [`IAM user ${u}`], () => deleteIamUser(apis, p, u, t.iamUserAttempts));
    }
    if (failed.length && !opts.force) {
      throw new UserError(
        `Could not delete everything of machine ${machine}: ${failed.join("; ")}.`,
        `Run \`fdock machine rm ${machine}\` again (it finds what is left by tag), or with --force to drop the local record anyway.`,
      );
    }
    for (const f of failed) reporter.emit({ kind: "info", message: `Left in AWS: ${f}` });
    this.#resources = { made: [] };
    return removed;
  }

  // ---- everyday operations (the machine user's key) ----------------------------------------

  #instanceId(): string {
    const id = this.#resources.instanceId;
    if (!id) throw new UserError(`Machine ${this.#machine} has no instance recorded.`, `Remove it with \`fdock machine rm ${this.#machine}\` and create it again.`);
    return id;
  }

  async #waitState(apis: AwsApis, want: string, timeoutMs: number): Promise<void> {
    const id = this.#instanceId();
    await pollUntil(
      this.#deps.policy,
      async () => {
        const i = await describeInstance(apis, this.#deps.policy, id);
        if (i?.State?.Name === "terminated") throw new UserError(`The instance ${id} was terminated.`);
        if (i?.State?.Name === want) {
          this.#ip = i.PublicIpAddress;
          this.#privateIp = i.PrivateIpAddress;
          return true;
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 5_000, what: `Waiting for instance ${id} to be ${want}` },
    );
  }

  async start(): Promise<void> {
    await this.#opsCall("start the instance", async (apis) => {
      await withRetry(this.#deps.policy, () => apis.ec2.send(new StartInstancesCommand({ InstanceIds: [this.#instanceId()] })));
      await this.#waitState(apis, "running", this.#deps.timeouts.runningMs);
    });
  }

  async stop(): Promise<void> {
    await this.#opsCall("stop the instance", async (apis) => {
      await withRetry(this.#deps.policy, () => apis.ec2.send(new StopInstancesCommand({ InstanceIds: [this.#instanceId()] })));
      await this.#waitState(apis, "stopped", this.#deps.timeouts.runningMs);
    });
  }

  async kill(): Promise<void> {
    await this.#opsCall("stop the instance", async (apis) => {
      await withRetry(this.#deps.policy, () => apis.ec2.send(new StopInstancesCommand({ InstanceIds: [this.#instanceId()], Force: true })));
      await this.#waitState(apis, "stopped", this.#deps.timeouts.runningMs);
    });
  }

  async restart(): Promise<void> {
    await this.#opsCall("reboot the instance", async (apis) => {
      await withRetry(this.#deps.policy, () => apis.ec2.send(new RebootInstancesCommand({ InstanceIds: [this.#instanceId()] })));
    });
  }

  async state(): Promise<MachineState> {
    if (!this.#resources.instanceId) return "NotFound";
    return this.#opsCall("read the instance's state", async (apis) => {
      const i = await describeInstance(apis, this.#deps.policy, this.#instanceId());
      return i?.State?.Name ? (STATES[i.State.Name] ?? "Unknown") : "NotFound";
    });
  }

  /** Reads the public IP again (it changes on stop/start) and remembers it for ssh() and toJSON(). */
  async ip(): Promise<string> {
    return this.#opsCall("read the instance's address", async (apis) => {
      const i = await describeInstance(apis, this.#deps.policy, this.#instanceId());
      this.#ip = i?.PublicIpAddress;
      this.#privateIp = i?.PrivateIpAddress;
      if (!this.#ip) {
        throw new UserError(`Machine ${this.#machine} has no public IP address (it is ${i?.State?.Name ?? "gone"}).`, `Start it with \`fdock machine start ${this.#machine}\`.`);
      }
      return this.#ip;
    });
  }

  ssh(): SshTarget {
    return { host: this.#ip ?? "", port: 22, user: this.#opts.sshUser, keyPath: join(this.#dir ?? ".", PRIVATE_KEY_FILE) };
  }

  /** The host key cloud-init printed on the console ("ssh-ed25519 AAAA..."), or null when it is not there (yet). */
  async pinnedHostKey(): Promise<string | null> {
    if (this.#hostKey) return this.#hostKey;
    if (!this.#resources.instanceId) return null;
    const key = await this.#opsCall("read the console output", (apis) => readConsoleHostKey(apis, this.#deps.policy, this.#instanceId())).catch(() => null);
    if (key) this.#hostKey = key;
    return key;
  }

  toJSON(): Record<string, unknown> {
    const { dryRun: _d, noProvision: _n, ...options } = this.#opts;
    const data: Amazonec2Data = {
      version: 1,
      machine: this.#machine,
      region: this.#region,
      options,
      prepared: this.#prepared,
      resources: { ...this.#resources, made: [...this.#resources.made] },
      ip: this.#ip,
      privateIp: this.#privateIp,
      hostKey: this.#hostKey,
    };
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  }

  [inspect.custom](): string {
    return `Amazonec2Driver ${inspect(this.toJSON(), { depth: 4 })}`;
  }
}
