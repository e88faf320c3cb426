/**
 * What one machine is made of in AWS, as recorded during create (ids only, never secrets), and
 * how to find it again by its `fdock:machine` tag when local state is incomplete.
 */
import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  type Filter,
} from "@aws-sdk/client-ec2";
import { GetUserCommand } from "@aws-sdk/client-iam";
import type { AwsApis } from "./aws-clients.js";
import { hasCode } from "./aws-errors.js";
import { MACHINE_TAG } from "../../names.js";
import { withRetry, type RetryPolicy } from "./retry.js";

/** Kinds in the order create makes them; rollback goes in reverse. */
export type ResourceKind = "iam-user" | "iam-policy" | "access-key" | "key-pair" | "security-group" | "instance";

export interface RecordedResources {
  /** Kinds made so far, in order (an "instance" is recorded before RunInstances, with its ClientToken). */
  made: ResourceKind[];
  iamUser?: string;
  iamPolicy?: string;
  accessKeyId?: string;
  keyPairName?: string;
  securityGroupId?: string;
  clientToken?: string;
  instanceId?: string;
}

/** Everything of one machine found in AWS: recorded ids plus whatever carries its tag. */
export interface FoundResources {
  instanceIds: string[];
  securityGroupIds: string[];
  keyPairNames: string[];
  iamUser?: string;
}

const tagFilter = (machine: string): Filter => ({ Name: `tag:${MACHINE_TAG}`, Values: [machine] });
const LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"];

export async function findInstances(apis: AwsApis, policy: RetryPolicy, machine: string, clientToken?: string): Promise<string[]> {
  const ids = new Set<string>();
  const filters: Filter[][] = [[tagFilter(machine), { Name: "instance-state-name", Values: LIVE_STATES }]];
  if (clientToken) filters.push([{ Name: "client-token", Values: [clientToken] }, { Name: "instance-state-name", Values: LIVE_STATES }]);
  for (const Filters of filters) {
    try {
      const out = await withRetry(policy, () => apis.ec2.send(new DescribeInstancesCommand({ Filters })));
      for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) ids.add(i.InstanceId);
    } catch (e) {
      if (Filters === filters[0]) throw e; // the client-token filter is optional (emulators lack it)
    }
  }
  return [...ids];
}

export async function findSecurityGroups(apis: AwsApis, policy: RetryPolicy, machine: string): Promise<string[]> {
  const out = await withRetry(policy, () => apis.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [tagFilter(machine)] })));
  return (out.SecurityGroups ?? []).map((g) => g.GroupId!).filter(Boolean);
}

export async function findKeyPairs(apis: AwsApis, policy: RetryPolicy, machine: string): Promise<string[]> {
  const out = await withRetry(policy, () => apis.ec2.send(new DescribeKeyPairsCommand({ Filters: [tagFilter(machine)] })));
  return (out.KeyPairs ?? []).map((k) => k.KeyName!).filter(Boolean);
}

/** The IAM user of this name, only when it carries this machine's tag (never someone else's user). */
export async function findIamUser(apis: AwsApis, policy: RetryPolicy, machine: string, userName: string): Promise<string | undefined> {
  try {
    const out = await withRetry(policy, () => apis.iam.send(new GetUserCommand({ UserName: userName })));
    const tagged = (out.User?.Tags ?? []).some((t) => t.Key === MACHINE_TAG && t.Value === machine);
    return tagged ? userName : undefined;
  } catch (e) {
    if (hasCode(e, "NoSuchEntity", "NoSuchEntityException")) return undefined;
    throw e;
  }
}

/** Union of what was recorded and what AWS holds with this machine's tag. */
export async function findMachine(
  apis: AwsApis,
  policy: RetryPolicy,
  machine: string,
  recorded: RecordedResources,
  defaultIamUser: string,
): Promise<FoundResources> {
  const [instances, groups, keys, iamUser] = await Promise.all([
    findInstances(apis, policy, machine, recorded.clientToken),
    findSecurityGroups(apis, policy, machine),
    findKeyPairs(apis, policy, machine),
    findIamUser(apis, policy, machine, recorded.iamUser ?? defaultIamUser),
  ]);
  const union = (found: string[], one?: string) => [...new Set([...(one ? [one] : []), ...found])];
  return {
    instanceIds: union(instances, recorded.instanceId),
    securityGroupIds: union(groups, recorded.securityGroupId),
    keyPairNames: union(keys, recorded.keyPairName),
    iamUser: iamUser ?? (recorded.made.includes("iam-user") ? recorded.iamUser : undefined),
  };
}

export function isEmpty(found: FoundResources): boolean {
  return !found.instanceIds.length && !found.securityGroupIds.length && !found.keyPairNames.length && !found.iamUser;
}

export function describeFound(found: FoundResources): string[] {
  return [
    ...found.instanceIds.map((id) => `EC2 instance ${id}`),
    ...found.securityGroupIds.map((id) => `security group ${id}`),
    ...found.keyPairNames.map((n) => `key pair ${n}`),
    ...(found.iamUser ? [`IAM user ${found.iamUser} (its access keys and inline policies)`] : []),
  ];
}
