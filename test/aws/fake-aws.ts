/**
 * aws-sdk-client-mock on real SDK clients, with a small stateful cloud behind them, for the
 * faults moto cannot make (throttling, NotFound after RunInstances, DependencyViolation,
 * IAM eventual consistency, DeleteConflict, timeouts). Sleeps are recorded, never waited.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import type { CoreOptions, FlagValues } from "../../src/core/machine/driver.js";
import { createAmazonec2Factory } from "../../src/core/machine/drivers/amazonec2/factory.js";
import type { AwsApis } from "../../src/core/machine/drivers/amazonec2/aws-clients.js";
import { staticCreds } from "./helpers.js";

export const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRETKEY";
export const AMI = "ami-0abcdef1234567890";

export function awsError(code: string, message = `${code} (fake)`): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

export const CONSOLE_OUTPUT = [
  "[    0.000000] Linux version 6.8.0-1021-aws (buildd@lcy02-amd64-098) #23-Ubuntu SMP",
  "[    5.112233] cloud-init[612]: Cloud-init v. 24.4-0ubuntu1~24.04.2 running 'init' at Sat, 21 Nov 2026 09:12:01 +0000.",
  "ci-info: +++++++++++++++++++++++++++++++++++++Net device info++++++++++++++++++++++++++++++++++++++",
  "<14>Nov 21 09:12:09 cloud-init: #############################################################",
  "<14>Nov 21 09:12:09 cloud-init: -----BEGIN SSH HOST KEY FINGERPRINTS-----",
  "<14>Nov 21 09:12:09 cloud-init: 256 SHA256:%ECDSA_FP% root@ip-172-31-0-4 (ECDSA)",
  "<14>Nov 21 09:12:09 cloud-init: 256 SHA256:%ED_FP% root@ip-172-31-0-4 (ED25519)",
  "<14>Nov 21 09:12:09 cloud-init: -----END SSH HOST KEY FINGERPRINTS-----",
  "<14>Nov 21 09:12:09 cloud-init: #############################################################",
  "-----BEGIN SSH HOST KEY KEYS-----",
  "ecdsa-sha2-nistp256 %ECDSA_KEY% root@ip-172-31-0-4",
  "ssh-ed25519 %ED_KEY% root@ip-172-31-0-4",
  "-----END SSH HOST KEY KEYS-----",
  "[   12.345678] cloud-init[1021]: Cloud-init v. 24.4-0ubuntu1~24.04.2 finished at Sat, 21 Nov 2026 09:12:10 +0000. Datasource DataSourceEc2Local.  Up 12.30 seconds",
].join("\r\n");

export interface FakeCloud {
  apis: AwsApis;
  ec2: ReturnType<typeof mockClient>;
  iam: ReturnType<typeof mockClient>;
  sts: ReturnType<typeof mockClient>;
  sleeps: number[];
  /** Instance state the fake reports for i-1 (after it is visible). */
  instance: { state: string; visibleAfter: number; describes: number; ip: string };
  console: string;
  factory: ReturnType<typeof createAmazonec2Factory>;
  /** Names of the commands sent, in order ("ec2:RunInstances"). */
  calls(): string[];
  inputs(command: string): Record<string, unknown>[];
}

/** The core's options of `machine create --no-provision`. */
export const NO_PROVISION: CoreOptions = { noProvision: true, sshTimeoutSeconds: 120 };

export function baseFlags(extra: FlagValues = {}): FlagValues {
  return {
    "amazonec2-region": "us-east-1",
    "amazonec2-ami": AMI,
    "amazonec2-ssh-cidr": "203.0.113.7/32",
    ...extra,
  };
}

export function fakeCloud(overrides: { probe?: (host: string) => Promise<boolean> } = {}): FakeCloud {
  const common = { region: "us-east-1", credentials: staticCreds, maxAttempts: 1 };
  const apis: AwsApis = { ec2: new EC2Client(common), iam: new IAMClient(common), sts: new STSClient(common), region: "us-east-1" };
  const ec2 = mockClient(apis.ec2 as EC2Client);
  const iam = mockClient(apis.iam as IAMClient);
  const sts = mockClient(apis.sts as STSClient);
  const sleeps: number[] = [];
  const instance = { state: "running", visibleAfter: 0, describes: 0, ip: "203.0.113.10" };

  sts.on(GetCallerIdentityCommand).resolves({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/alice", UserId: "AIDA" });
  ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ InstanceType: "t3.micro" }] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: AMI, Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251101" }] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: "vpc-1", IsDefault: true }] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: "subnet-1", VpcId: "vpc-1", DefaultForAz: true, AvailabilityZone: "us-east-1a", State: "available" }] });
  ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    if (!input.InstanceIds?.includes("i-1")) return { Reservations: [] };
    instance.describes++;
    if (instance.describes <= instance.visibleAfter) throw awsError("InvalidInstanceID.NotFound");
    const running = instance.state === "running";
    return {
      Reservations: [
        { Instances: [{ InstanceId: "i-1", State: { Name: instance.state }, PublicIpAddress: running ? instance.ip : undefined, PrivateIpAddress: "172.31.0.4" }] },
      ],
    };
  });
  ec2.on(ImportKeyPairCommand).resolves({ KeyName: "fdock-web", KeyPairId: "key-1" });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: "sg-1" });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: "i-1", State: { Name: "pending", Code: 0 } }] });
  ec2.on(TerminateInstancesCommand).callsFake(() => {
    instance.state = "terminated";
    return {};
  });
  ec2.on(StopInstancesCommand).callsFake(() => ((instance.state = "stopped"), {}));
  ec2.on(StartInstancesCommand).callsFake(() => ((instance.state = "running"), (instance.ip = "198.51.100.99"), {}));
  ec2.on(RebootInstancesCommand).resolves({});
  ec2.on(DeleteSecurityGroupCommand).resolves({});
  ec2.on(DeleteKeyPairCommand).resolves({});
  const cloud = { console: "" } as { console: string };
  ec2.on(GetConsoleOutputCommand).callsFake(() => ({ InstanceId: "i-1", Output: Buffer.from(cloud.console).toString("base64") }));

  iam.on(GetUserCommand).rejects(awsError("NoSuchEntity"));
  iam.on(CreateUserCommand).resolves({ User: { UserName: "fdock-web", Path: "/fdock/", UserId: "AIDU", Arn: "arn:aws:iam::123456789012:user/fdock/fdock-web", CreateDate: new Date() } });
  iam.on(PutUserPolicyCommand).resolves({});
  iam.on(CreateAccessKeyCommand).resolves({
    AccessKey: { UserName: "fdock-web", AccessKeyId: "AKIAFDOCKMACHINEKEY1", SecretAccessKey: SECRET, Status: "Active" },
  });
  iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: "AKIAFDOCKMACHINEKEY1", UserName: "fdock-web" }] });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: ["fdock-machine-web"] });
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(DeleteAccessKeyCommand).resolves({});
  iam.on(DeleteUserPolicyCommand).resolves({});
  iam.on(DeleteUserCommand).resolves({});

  const factory = createAmazonec2Factory((d) => ({
    ...d,
    connect: () => apis,
    profileRegion: async () => undefined,
    policy: { ...d.policy, sleep: async (ms: number) => void sleeps.push(ms) },
    probe: overrides.probe ? (host) => overrides.probe!(host) : async () => true,
    lookupAddress: async () => undefined,
  }));

  const named = (service: string, m: ReturnType<typeof mockClient>) =>
    m.calls().map((c) => ({ name: `${service}:${(c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, "")}`, input: (c.args[0] as { input: Record<string, unknown> }).input, order: (c as unknown as { callId: number }).callId }));
  const all = () => [...named("ec2", ec2), ...named("iam", iam), ...named("sts", sts)].sort((a, b) => a.order - b.order);

  return {
    apis,
    ec2,
    iam,
    sts,
    sleeps,
    instance,
    get console() {
      return cloud.console;
    },
    set console(v: string) {
      cloud.console = v;
    },
    factory,
    calls: () => all().map((c) => c.name),
    inputs: (command: string) => all().filter((c) => c.name === command).map((c) => c.input),
  };
}
