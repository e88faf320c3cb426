/**
 * The resources a create makes, one function each. Each records what it made (and checkpoints)
 * the moment AWS answers, so a failure or Ctrl-C at any point can remove exactly that.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { UserError } from "../../../errors.js";
import { MACHINE_TAG, machineResourceName } from "../../names.js";
import type { AwsApis } from "./aws-clients.js";
import { hasCode } from "./aws-errors.js";
import { hostKeyFromConsole } from "./console-host-key.js";
import { machinePolicy, machinePolicyName } from "./iam-policy.js";
import { writeMachineCredentials } from "./machine-credentials.js";
import type { RecordedResources, ResourceKind } from "./machine-resources.js";
import type { Amazonec2Options } from "./options.js";
import { ingressRules } from "./plan.js";
import type { Names, Prepared } from "./prepare.js";
import { pollUntil, withRetry, type RetryPolicy } from "./retry.js";
import type { Secrets } from "./redact.js";
import { makeEd25519KeyPair } from "./ssh-key.js";
import { cloudInitUserData } from "./user-data.js";

export const PRIVATE_KEY_FILE = "id_ed25519";

/** IAM is eventually consistent: a user just made may be invisible for up to about two minutes. */
const IAM_NOT_YET = ["NoSuchEntity", "NoSuchEntityException"];

export interface StepContext {
  apis: AwsApis;
  policy: RetryPolicy;
  opts: Amazonec2Options;
  names: Names;
  prepared: Prepared;
  dir: string;
  resources: RecordedResources;
  secrets: Secrets;
  /** Records a made resource and saves state before anything else happens. */
  made(kind: ResourceKind): Promise<void>;
  signal: AbortSignal;
}

export function machineTags(names: Names, extra: Record<string, string>): { Key: string; Value: string }[] {
  return [
    { Key: "Name", Value: names.machine },
    { Key: MACHINE_TAG, Value: names.machine },
    ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
  ];
}

export async function createIamUser(c: StepContext): Promise<void> {
  const tags = machineTags(c.names, c.opts.tags);
  const UserName = c.names.iamUser;
  await withRetry(c.policy, () => c.apis.iam.send(new CreateUserCommand({ UserName, Path: "/fdock/", Tags: tags })));
  c.resources.iamUser = UserName;
  await c.made("iam-user");

  const document = machinePolicy({ machine: c.names.machine, region: c.apis.region, account: c.prepared.account, partition: c.prepared.partition });
  const PolicyName = machinePolicyName(c.names.machine);
  await withRetry(
    c.policy,
    () => c.apis.iam.send(new PutUserPolicyCommand({ UserName, PolicyName, PolicyDocument: JSON.stringify(document) })),
    { retryCodes: IAM_NOT_YET },
  );
  c.resources.iamPolicy = PolicyName;
  await c.made("iam-policy");

  const key = await withRetry(c.policy, () => c.apis.iam.send(new CreateAccessKeyCommand({ UserName })), { retryCodes: IAM_NOT_YET });
  const accessKeyId = key.AccessKey?.AccessKeyId;
  const secretAccessKey = key.AccessKey?.SecretAccessKey;
  if (!accessKeyId || !secretAccessKey) throw new Error(`IAM returned no access key for ${UserName}`);
  c.secrets.add(secretAccessKey);
  c.resources.accessKeyId = accessKeyId;
  await writeMachineCredentials(c.dir, { accessKeyId, secretAccessKey, userName: UserName });
  await c.made("access-key");
}

export async function importKeyPair(c: StepContext): Promise<string> {
  const pair = makeEd25519KeyPair(machineResourceName(c.names.machine));
  const keyPath = join(c.dir, PRIVATE_KEY_FILE);
  await pair.writePrivateKey(keyPath);
  try {
    await withRetry(c.policy, () =>
      c.apis.ec2.send(
        new ImportKeyPairCommand({
          KeyName: c.names.keyPairName,
          PublicKeyMaterial: Buffer.from(pair.publicKey),
          TagSpecifications: [{ ResourceType: "key-pair", Tags: machineTags(c.names, c.opts.tags) }],
        }),
      ),
    );
  } catch (e) {
    await rm(keyPath, { force: true });
    throw e;
  }
  c.resources.keyPairName = c.names.keyPairName;
  await c.made("key-pair");
  return pair.fingerprint;
}

export async function createSecurityGroup(c: StepContext): Promise<string> {
  const out = await withRetry(c.policy, () =>
    c.apis.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: c.names.securityGroupName,
        Description: `fdock machine ${c.names.machine}: HTTP, HTTPS and chosen ports from anywhere, SSH from ${c.prepared.sshCidr}`,
        VpcId: c.prepared.vpcId,
        TagSpecifications: [{ ResourceType: "security-group", Tags: machineTags(c.names, c.opts.tags) }],
      }),
    ),
  );
  const GroupId = out.GroupId;
  if (!GroupId) throw new Error("EC2 returned no security group id");
  c.resources.securityGroupId = GroupId;
  await c.made("security-group");

  const rules = ingressRules(c.opts.openPorts, c.prepared.sshCidr);
  await withRetry(
    c.policy,
    () =>
      c.apis.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: rules.map((r) => ({
            IpProtocol: r.protocol,
            FromPort: r.port,
            ToPort: r.port,
            IpRanges: [{ CidrIp: r.cidr, Description: r.port === 22 ? "SSH for fdock" : "open to everyone" }],
          })),
        }),
      ),
    { retryCodes: ["InvalidGroup.NotFound"], attempts: 6 },
  );
  return GroupId;
}

export function runInstancesInput(c: Pick<StepContext, "opts" | "names" | "prepared" | "resources">, clientToken: string) {
  const tags = machineTags(c.names, c.opts.tags);
  return {
    ClientToken: clientToken,
    ImageId: c.prepared.ami,
    InstanceType: c.opts.instanceType as never,
    MinCount: 1,
    MaxCount: 1,
    KeyName: c.names.keyPairName,
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        SubnetId: c.prepared.subnetId,
        Groups: [c.resources.securityGroupId!],
        AssociatePublicIpAddress: true,
        DeleteOnTermination: true,
      },
    ],
    BlockDeviceMappings: [
      { DeviceName: "/dev/sda1", Ebs: { VolumeSize: c.opts.rootSize, VolumeType: "gp3" as const, Encrypted: true, DeleteOnTermination: true } },
    ],
    MetadataOptions: { HttpTokens: "required" as const, HttpEndpoint: "enabled" as const, HttpPutResponseHopLimit: 2 },
    UserData: Buffer.from(cloudInitUserData(c.opts.sshUser)).toString("base64"),
    TagSpecifications: [
      { ResourceType: "instance" as const, Tags: tags },
      { ResourceType: "volume" as const, Tags: tags },
      { ResourceType: "network-interface" as const, Tags: tags },
    ],
  };
}

export async function runInstance(c: StepContext): Promise<string> {
  // The token is saved before the call: a retry (ours after a timeout, or a later rm) finds the one instance.
  const clientToken = c.resources.clientToken ?? randomUUID();
  c.resources.clientToken = clientToken;
  await c.made("instance");
  const input = runInstancesInput(c, clientToken);
  const out = await withRetry(c.policy, () => c.apis.ec2.send(new RunInstancesCommand(input)), {
    retryTimeouts: true,
    retryCodes: ["InvalidKeyPair.NotFound", "InvalidGroup.NotFound"],
    attempts: 5,
  });
  const id = out.Instances?.[0]?.InstanceId;
  if (!id) throw new Error("EC2 returned no instance id");
  c.resources.instanceId = id;
  await c.made("instance");
  return id;
}

export async function describeInstance(apis: AwsApis, policy: RetryPolicy, id: string): Promise<Instance | undefined> {
  try {
    const out = await withRetry(policy, () => apis.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (e) {
    if (hasCode(e, "InvalidInstanceID.NotFound")) return undefined; // just made: not visible yet
    throw e;
  }
}

/** Until the instance runs; NotFound right after RunInstances is waited out, a dead instance fails. */
export async function waitRunning(apis: AwsApis, policy: RetryPolicy, id: string, timeoutMs: number, signal?: AbortSignal): Promise<Instance> {
  return pollUntil(
    policy,
    async () => {
      const i = await describeInstance(apis, policy, id);
      const state = i?.State?.Name;
      if (state === "running") return i;
      if (state === "terminated" || state === "shutting-down" || state === "stopped" || state === "stopping") {
        throw new UserError(`The instance ${id} is ${state} instead of running: ${i?.StateReason?.Message ?? "no reason given"}.`);
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 5_000, signal, what: `Waiting for instance ${id} to run` },
  );
}

export async function readConsoleHostKey(apis: AwsApis, policy: RetryPolicy, id: string): Promise<string | null> {
  let out;
  try {
    out = await withRetry(policy, () => apis.ec2.send(new GetConsoleOutputCommand({ InstanceId: id, Latest: true })));
  } catch (e) {
    if (!hasCode(e, "UnsupportedOperation", "InvalidParameterValue", "InvalidParameterCombination")) throw e;
    out = await withRetry(policy, () => apis.ec2.send(new GetConsoleOutputCommand({ InstanceId: id })));
  }
  if (!out.Output) return null;
  return hostKeyFromConsole(Buffer.from(out.Output, "base64").toString("utf8"));
}
