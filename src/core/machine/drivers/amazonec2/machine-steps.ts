/**
 * The steps of an amazonec2 create, each with the teardown that undoes it (the same teardown
 * `machine rm` runs): IAM user, key pair, security group, instance, then waiting for it.
 */
import { ingressRules } from "./plan.js";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../../errors.js";
import type { CoreOptions } from "../../driver.js";
import type { CreateStep } from "./create-step.js";
import {
  PRIVATE_KEY_FILE,
  createIamUser,
  createSecurityGroup,
  importKeyPair,
  readConsoleHostKey,
  runInstance,
  waitRunning,
  type StepContext,
} from "./create-steps.js";
import { CREDENTIALS_FILE } from "./machine-credentials.js";
import { findInstances, type ResourceKind } from "./machine-resources.js";
import { pollUntil, InterruptedError } from "./retry.js";
import type { PortProbe } from "../../../tcp-port.js";
import type { Teardown } from "./teardown.js";

/** What a create learns about the instance, saved with the machine. */
export interface InstanceFacts {
  ip?: string;
  privateIp?: string;
  hostKey?: string;
}

export interface MachineStepContext extends StepContext {
  core: CoreOptions;
  teardown: Teardown;
  probe: PortProbe;
  runningMs: number;
  facts: InstanceFacts;
  /** Drops kinds from the record once undone, and saves. */
  unmade(kinds: ResourceKind[]): Promise<void>;
  /** Saves state (the core's checkpoint). */
  checkpoint(): Promise<void>;
  info(message: string): void;
}

export function machineSteps(c: MachineStepContext): CreateStep[] {
  const r = c.resources;
  const { names, prepared, opts } = c;
  let instanceId = "";
  const steps: CreateStep[] = [
    {
      id: "aws-iam-user",
      what: `Creating IAM user ${names.iamUser} with a policy for this machine only, and its access key`,
      make: () => createIamUser(c),
      undo: async () => {
        if (r.iamUser) await c.teardown.iamUser(r.iamUser);
        await rm(join(c.dir, CREDENTIALS_FILE), { force: true });
        await c.unmade(["access-key", "iam-policy", "iam-user"]);
      },
    },
    {
      id: "aws-key-pair",
      what: `Making an ed25519 key and importing it as key pair ${names.keyPairName}`,
      make: async () => void (await importKeyPair(c)),
      undo: async () => {
        if (r.keyPairName) await c.teardown.keyPair(r.keyPairName);
        await rm(join(c.dir, PRIVATE_KEY_FILE), { force: true });
        await c.unmade(["key-pair"]);
      },
    },
    {
      id: "aws-security-group",
      what: `Creating security group ${names.securityGroupName}: ${ingressRules(opts.openPorts, prepared.sshCidr).filter((r) => r.cidr === "0.0.0.0/0").map((r) => r.port).join(", ")} from anywhere, 22 from ${prepared.sshCidr}`,
      make: async () => void (await createSecurityGroup(c)),
      undo: async () => {
        if (r.securityGroupId) await c.teardown.securityGroup(r.securityGroupId);
        await c.unmade(["security-group"]);
      },
    },
    {
      id: "aws-instance",
      what: `Launching a ${opts.instanceType} instance from ${prepared.ami}`,
      make: async () => void (instanceId = await runInstance(c)),
      undo: async () => {
        // An instance whose RunInstances answer was lost is found by its tag and ClientToken.
        const ids = r.instanceId ? [r.instanceId] : r.made.includes("instance") ? await findInstances(c.apis, c.policy, names.machine, r.clientToken) : [];
        await c.teardown.instances(ids);
        await c.unmade(["instance"]);
      },
    },
    {
      id: "aws-running",
      what: () => `Waiting for instance ${instanceId} to run`,
      make: async () => {
        const instance = await waitRunning(c.apis, c.policy, instanceId, c.runningMs, c.signal);
        c.facts.ip = instance.PublicIpAddress;
        c.facts.privateIp = instance.PrivateIpAddress;
        if (!c.facts.ip) throw new UserError(`The instance ${instanceId} has no public IP address.`, "Use a public subnet (--amazonec2-subnet-id) whose route table has an internet gateway.");
        await c.checkpoint();
        if (c.core.noProvision) {
          c.facts.hostKey = (await readConsoleHostKey(c.apis, c.policy, instanceId).catch(() => null)) ?? undefined;
          c.info(`Machine ${names.machine} is at ${c.facts.ip}; SSH not waited for (--no-provision).`);
          await c.checkpoint();
        }
      },
    },
  ];
  if (c.core.noProvision) return steps;
  return [
    ...steps,
    { id: "aws-ssh", what: () => `Waiting for SSH on ${c.facts.ip}:22 (up to ${c.core.sshTimeoutSeconds} s)`, make: () => waitSsh(c) },
    {
      id: "aws-host-key",
      what: "Reading the host key from the instance's console output",
      make: async () => {
        const key = await pollHostKey(c, instanceId);
        if (key) c.facts.hostKey = key;
        else c.info("The console output does not show the host key yet; it was not pinned.");
        await c.checkpoint();
      },
    },
  ];
}

async function waitSsh(c: MachineStepContext): Promise<void> {
  const seconds = c.core.sshTimeoutSeconds;
  const timeoutMs = seconds * 1000;
  const host = c.facts.ip!;
  try {
    await pollUntil(c.policy, async () => ((await c.probe(host, 22, Math.min(5_000, timeoutMs))) ? true : undefined), {
      timeoutMs,
      intervalMs: 3_000,
      signal: c.signal,
      what: `SSH on ${host}:22 did not answer`,
    });
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    throw new UserError(
      `SSH on ${host}:22 did not answer within ${seconds} s; everything this create made was removed.`,
      `Check that ${c.prepared.sshCidr} is your address (--amazonec2-ssh-cidr), or allow more time with --ssh-timeout.`,
    );
  }
}

async function pollHostKey(c: MachineStepContext, id: string): Promise<string | null> {
  try {
    return await pollUntil(c.policy, async () => (await readConsoleHostKey(c.apis, c.policy, id)) ?? undefined, {
      timeoutMs: c.core.sshTimeoutSeconds * 1000,
      intervalMs: 10_000,
      signal: c.signal,
      what: "Console output",
    });
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    return null;
  }
}
