/**
 * Pre-create checks, all read-only: credentials, region, instance type, image, network, who may
 * reach SSH, and that nothing of this name exists yet (no leftovers tagged with it either).
 */
import { DescribeInstanceTypesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { GetUserCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { PrecheckError, UserError } from "../../../errors.js";
import { checkAmi, defaultAmi } from "./ami.js";
import type { AwsApis } from "./aws-clients.js";
import { errorCode, hasCode, isCredentialsError, isNetworkError } from "./aws-errors.js";
import { describeFound, findMachine } from "./machine-resources.js";
import { resolvePlacement } from "./network.js";
import type { Amazonec2Options } from "./options.js";
import type { AddressLookup } from "./own-address.js";
import { withRetry, type RetryPolicy } from "./retry.js";

export interface Prepared {
  account: string;
  partition: string;
  ami: string;
  amiName: string;
  vpcId: string;
  subnetId: string;
  sshCidr: string;
}

export interface Names {
  machine: string;
  iamUser: string;
  keyPairName: string;
  securityGroupName: string;
}

export async function checkCredentials(apis: AwsApis, policy: RetryPolicy, chain: string): Promise<{ account: string; partition: string }> {
  try {
    const id = await withRetry(policy, () => apis.sts.send(new GetCallerIdentityCommand({})));
    const partition = /^arn:([^:]+):/.exec(id.Arn ?? "")?.[1] ?? "aws";
    return { account: id.Account ?? "000000000000", partition };
  } catch (e) {
    throw explainAwsError(e, apis.region, chain);
  }
}

/** Credentials and reachability errors as UserErrors; anything else unchanged. */
export function explainAwsError(e: unknown, region: string, chain: string): unknown {
  if (e instanceof UserError) return e;
  if (hasCode(e, "CredentialsProviderError")) {
    return new UserError(
      `No AWS credentials found: tried ${chain}.`,
      "Run `aws configure` (or `aws sso login --profile NAME` and pass --amazonec2-profile NAME), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
    );
  }
  if (isCredentialsError(e)) {
    return new UserError(
      `AWS refused the credentials (${errorCode(e)}) found through ${chain}.`,
      "Check the access key is active and the profile is the one you mean (aws sts get-caller-identity), or refresh an SSO session with `aws sso login`.",
    );
  }
  if (isNetworkError(e)) {
    return new UserError(
      `Cannot reach AWS in region ${region} (${errorCode(e)}).`,
      "Check the region name (--amazonec2-region, AWS_REGION or the profile) and the network.",
    );
  }
  return e;
}

async function checkInstanceType(apis: AwsApis, policy: RetryPolicy, type: string): Promise<void> {
  try {
    await withRetry(policy, () => apis.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as never] })));
  } catch (e) {
    if (hasCode(e, "InvalidInstanceType", "InvalidParameterValue")) {
      throw new UserError(`The instance type ${type} does not exist in ${apis.region}.`, "Pick one with `aws ec2 describe-instance-types`, or leave the flag out (t3.micro).");
    }
    throw e;
  }
}

async function checkNamesFree(apis: AwsApis, policy: RetryPolicy, names: Names, vpcId: string): Promise<string[]> {
  const taken: string[] = [];
  try {
    await withRetry(policy, () => apis.iam.send(new GetUserCommand({ UserName: names.iamUser })));
    taken.push(`IAM user ${names.iamUser}`);
  } catch (e) {
    if (!hasCode(e, "NoSuchEntity", "NoSuchEntityException")) throw e;
  }
  try {
    const out = await withRetry(policy, () => apis.ec2.send(new DescribeKeyPairsCommand({ KeyNames: [names.keyPairName] })));
    if (out.KeyPairs?.length) taken.push(`key pair ${names.keyPairName}`);
  } catch (e) {
    if (!hasCode(e, "InvalidKeyPair.NotFound")) throw e;
  }
  const groups = await withRetry(policy, () =>
    apis.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "group-name", Values: [names.securityGroupName] },
          { Name: "vpc-id", Values: [vpcId] },
        ],
      }),
    ),
  );
  for (const g of groups.SecurityGroups ?? []) taken.push(`security group ${names.securityGroupName} (${g.GroupId})`);
  return taken;
}

export async function prepare(
  apis: AwsApis,
  policy: RetryPolicy,
  opts: Amazonec2Options,
  names: Names,
  chain: string,
  lookupAddress: AddressLookup,
): Promise<Prepared> {
  const { account, partition } = await checkCredentials(apis, policy, chain);
  try {
    await checkInstanceType(apis, policy, opts.instanceType);
    const image = opts.ami ? { id: opts.ami, name: await checkAmi(apis, policy, opts.ami) } : await defaultAmi(apis, policy, opts.instanceType);
    const placement = await resolvePlacement(apis, policy, opts.vpcId, opts.subnetId);
    const sshCidr = opts.sshCidr ?? (await learnCidr(lookupAddress));
    const leftovers = describeFound(await findMachine(apis, policy, names.machine, { made: [] }, names.iamUser));
    const taken = await checkNamesFree(apis, policy, names, placement.vpcId);
    const problems = [...new Set([...leftovers, ...taken])];
    if (problems.length) {
      throw new PrecheckError(
        `AWS already holds resources named or tagged for machine ${names.machine}: ${problems.join("; ")}.`,
        `Remove them with \`fdock machine rm --force ${names.machine}\` (it finds them by tag), or choose another name.`,
      );
    }
    return { account, partition, ami: image.id, amiName: image.name, vpcId: placement.vpcId, subnetId: placement.subnetId, sshCidr };
  } catch (e) {
    throw explainAwsError(e, apis.region, chain);
  }
}

async function learnCidr(lookupAddress: AddressLookup): Promise<string> {
  const address = await lookupAddress();
  if (!address) {
    throw new UserError(
      "Cannot learn your public IP address to open SSH to it alone, and fdock never opens SSH to everyone.",
      "Pass --amazonec2-ssh-cidr with your address as /32 (see https://checkip.amazonaws.com) or your network's range.",
    );
  }
  return `${address}/32`;
}
