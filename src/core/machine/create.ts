import { UserError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { ensureContext } from "./docker-context.js";
import { DEFAULT_SSH_TIMEOUT_SECONDS, type CoreOptions, type FlagValues } from "./driver.js";
import { withMachineLock } from "./lock.js";
import { driverEntry } from "./drivers/lookup.js";
import { connectMachine } from "./connect-machine.js";
import type { Machine } from "./machine.js";
import { syncSshConfig } from "./sync-ssh-config.js";
import { validateMachineName } from "./names.js";
import { provision } from "./provision/provision.js";
import { removeLocked } from "./remove.js";
import { Interrupted, stopIfAborted } from "../interrupt.js";
import { contextName, sshAlias } from "./paths.js";
import { CONFIG_VERSION, MachineStore, type MachineConfig } from "./store.js";

export interface CreateOptions {
  name: string;
  driver: string;
  flags: FlagValues;
  /** Record the machine; skip the SSH wait and provisioning. */
  noProvision?: boolean;
  /** Bounds the wait for SSH (seconds). */
  sshTimeout?: number;
  /** The driver prints its plan; nothing is made or saved. */
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface CreateResult {
  name: string;
  driver: string;
  state: MachineConfig["state"];
  context: string;
  sshAlias: string;
  engineVersion?: string;
  dryRun?: boolean;
}

/**
 * docker-machine's create: pre-create check, save, driver create (with checkpoints), save,
 * wait for SSH and pin the host key, provision, ssh config entry and Docker context.
 * The config is saved before and after the driver's create, so a half-made host is never
 * orphaned: `fdock machine rm NAME` can always find it. Once opts.signal is aborted (the first
 * Ctrl-C), the create stops after the step in flight and removes everything it made.
 */
export async function createMachine(opts: CreateOptions, reporter: Reporter): Promise<CreateResult> {
  const env = opts.env ?? process.env;
  const name = validateMachineName(opts.name);
  const store = new MachineStore(env);
  const entry = driverEntry(opts.driver);
  const factory = await entry.load();
  // The core's own options reach the driver as such: a cloud driver bounds its SSH wait by them.
  const core: CoreOptions = { noProvision: opts.noProvision === true, sshTimeoutSeconds: opts.sshTimeout ?? DEFAULT_SSH_TIMEOUT_SECONDS };
  const driver = await factory.fromFlags(opts.flags, env, core);
  const signal = opts.signal ?? new AbortController().signal;

  if (opts.dryRun) {
    const ctx = { name, dir: store.dir(name), reporter, checkpoint: async () => {}, signal };
    await driver.preCreateCheck(ctx);
    for (const message of await driver.plan(ctx)) reporter.emit({ kind: "info", message });
    reporter.emit({ kind: "info", message: `would then ${opts.noProvision ? "record it" : "wait for SSH, pin its host key, install Docker if missing"}, add ssh entry ${sshAlias(name)} and Docker context ${contextName(name)}` });
    return { name, driver: opts.driver, state: "creating", context: contextName(name), sshAlias: sshAlias(name), dryRun: true };
  }

  return withMachineLock(name, env, async () => {
    if (store.exists(name)) {
      throw new UserError(`A machine named "${name}" already exists.`, `Pick another name, or remove it first with \`fdock machine rm ${name}\`.`);
    }
    const dir = store.dir(name);
    const ctx = { name, dir, reporter, signal, checkpoint: async () => save("creating") };
    const config: MachineConfig = { version: CONFIG_VERSION, name, driver: entry.name, driverData: {}, ssh: null, state: "creating", createdAt: new Date().toISOString() };
    const save = async (state: MachineConfig["state"], extra: Partial<MachineConfig> = {}) => {
      Object.assign(config, { state, driverData: driver.toJSON(), ...extra });
      store.save(config);
    };
    // A create the user interrupts (Ctrl-C) leaves nothing: the host, the local state, the entries.
    const stopIfInterrupted = async () => {
      if (signal.aborted) await rollBack(name, env, reporter, () => save("error", { error: "interrupted" }));
    };

    await step(reporter, "precheck", `Check the ${entry.name} driver's settings`, () => driver.preCreateCheck(ctx));
    stopIfAborted(signal, `Stopped: nothing was made for machine "${name}".`);
    store.ensureDir(name);
    await save("creating");
    try {
      await step(reporter, "create", `Create the host (${entry.name})`, () => driver.create(ctx));
    } catch (e) {
      await stopIfInterrupted();
      await save("error", { error: (e as Error).message });
      throw withHint(e, `The machine is recorded (state: error); \`fdock machine rm ${name}\` removes whatever was made.`);
    }
    await save("created", { ssh: driver.ssh() });
    await stopIfInterrupted();
    const machine: Machine = { config, driver, dir };

    let engineVersion: string | undefined;
    if (!opts.noProvision) {
      try {
        engineVersion = await provisionMachine(machine, reporter, { timeoutMs: core.sshTimeoutSeconds * 1000, wait: true, signal });
        await save("ready", { engineVersion, error: undefined });
      } catch (e) {
        await stopIfInterrupted();
        await save("error", { error: (e as Error).message });
        syncSshConfig(env);
        throw withHint(e, `The machine is recorded; after fixing the cause, \`fdock machine provision ${name}\` continues (or \`fdock machine rm ${name}\`).`);
      }
      await stopIfInterrupted();
    }
    await finishLocalSetup(name, env, reporter);
    await stopIfInterrupted();
    return { name, driver: entry.name, state: config.state, context: contextName(name), sshAlias: sshAlias(name), engineVersion };
  });
}

/**
 * Removes an interrupted create's host and local state (the caller holds the machine's lock),
 * then throws Interrupted. When the host cannot be removed, the record stays (state: error) so
 * that `fdock machine rm` can find what is left.
 */
async function rollBack(name: string, env: NodeJS.ProcessEnv, reporter: Reporter, keepRecord: () => Promise<void>): Promise<never> {
  try {
    await removeLocked(name, { force: false, env }, reporter);
  } catch (e) {
    await keepRecord();
    throw new Interrupted(`Interrupted; removing what was made for machine "${name}" failed: ${(e as Error).message}`, `Run \`fdock machine rm ${name}\` to remove what is left.`);
  }
  throw new Interrupted(`Interrupted: everything made for machine "${name}" was removed.`);
}

/** Connect (pinning the host key on first contact) and run the provisioner. Returns the engine version. */
export async function provisionMachine(m: Machine, reporter: Reporter, opts: { timeoutMs: number; wait: boolean; signal?: AbortSignal }): Promise<string> {
  const target = m.config.ssh!;
  const session = await step(reporter, "ssh", `Connect to ${target.user}@${target.host}:${target.port}`, () => connectMachine(m, reporter, opts));
  try {
    const result = await provision(m.config.name, session, target.user, reporter, () => connectMachine(m, reporter), m.driver.sshHints);
    reporter.emit({ kind: "info", message: `Docker Engine ${result.engineVersion} on ${result.os}` });
    return result.engineVersion;
  } finally {
    session.close();
  }
}

/** The ssh config entry (and the Include in ~/.ssh/config) and the Docker context. */
export async function finishLocalSetup(name: string, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
  await step(reporter, "local", `Write ssh entry ${sshAlias(name)} and Docker context ${contextName(name)}`, async () => {
    syncSshConfig(env);
    await ensureContext(name, env);
  });
}

function withHint(e: unknown, hint: string): Error {
  if (e instanceof UserError) return new UserError(e.message, e.hint ? `${e.hint} ${hint}` : hint, e.detail, e.exitCode);
  return new UserError((e as Error).message, hint);
}
