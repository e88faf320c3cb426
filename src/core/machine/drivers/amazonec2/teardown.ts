/**
 * Deleting a machine's AWS resources, each tolerant of "already gone" and of AWS's ordering
 * rules: the security group only once the instance is gone, the IAM user only once its keys
 * and policies are.
 */
import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import type { AwsApis } from "./aws-clients.js";
import { hasCode } from "./aws-errors.js";
import { pollUntil, withRetry, type RetryPolicy } from "./retry.js";

export interface TeardownTimeouts {
  /** Until every instance is terminated. */
  terminateMs: number;
  /** Retrying DependencyViolation on the security group. */
  securityGroupMs: number;
  /** Retrying DeleteConflict on the IAM user. */
  iamUserAttempts: number;
}

export const defaultTeardownTimeouts: TeardownTimeouts = { terminateMs: 10 * 60_000, securityGroupMs: 10 * 60_000, iamUserAttempts: 6 };

const NOT_FOUND_INSTANCE = ["InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"];

export async function terminateInstances(apis: AwsApis, policy: RetryPolicy, ids: string[], timeoutMs: number): Promise<void> {
  if (!ids.length) return;
  let live = ids;
  try {
    await withRetry(policy, () => apis.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })));
  } catch (e) {
    if (!hasCode(e, ...NOT_FOUND_INSTANCE)) throw e;
    // Some ids are long gone: terminate the rest one by one.
    live = [];
    for (const id of ids) {
      try {
        await withRetry(policy, () => apis.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })));
        live.push(id);
      } catch (e2) {
        if (!hasCode(e2, ...NOT_FOUND_INSTANCE)) throw e2;
      }
    }
  }
  await waitTerminated(apis, policy, live, timeoutMs);
}

export async function waitTerminated(apis: AwsApis, policy: RetryPolicy, ids: string[], timeoutMs: number): Promise<void> {
  if (!ids.length) return;
  await pollUntil(
    policy,
    async () => {
      try {
        const out = await withRetry(policy, () => apis.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids })));
        const states = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name);
        return states.every((s) => s === "terminated") ? true : undefined;
      } catch (e) {
        if (hasCode(e, ...NOT_FOUND_INSTANCE)) return true;
        throw e;
      }
    },
    { timeoutMs, intervalMs: 5_000, what: `Waiting for instance ${ids.join(", ")} to terminate` },
  );
}

export async function deleteSecurityGroup(apis: AwsApis, policy: RetryPolicy, groupId: string, timeoutMs: number): Promise<void> {
  await pollUntil(
    policy,
    async () => {
      try {
        await withRetry(policy, () => apis.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
        return true;
      } catch (e) {
        if (hasCode(e, "InvalidGroup.NotFound", "InvalidGroupId.Malformed")) return true;
        if (hasCode(e, "DependencyViolation")) return undefined; // an instance still holds it
        throw e;
      }
    },
    { timeoutMs, intervalMs: 5_000, what: `Deleting security group ${groupId} (still in use)` },
  );
}

export async function deleteKeyPair(apis: AwsApis, policy: RetryPolicy, keyName: string): Promise<void> {
  try {
    await withRetry(policy, () => apis.ec2.send(new DeleteKeyPairCommand({ KeyName: keyName })));
  } catch (e) {
    if (!hasCode(e, "InvalidKeyPair.NotFound")) throw e;
  }
}

const gone = (e: unknown) => hasCode(e, "NoSuchEntity", "NoSuchEntityException");

async function emptyIamUser(apis: AwsApis, policy: RetryPolicy, userName: string): Promise<void> {
  const keys = await withRetry(policy, () => apis.iam.send(new ListAccessKeysCommand({ UserName: userName })));
  for (const k of keys.AccessKeyMetadata ?? []) {
    await withRetry(policy, () => apis.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: k.AccessKeyId! }))).catch((e) => {
      if (!gone(e)) throw e;
    });
  }
  const inline = await withRetry(policy, () => apis.iam.send(new ListUserPoliciesCommand({ UserName: userName })));
  for (const name of inline.PolicyNames ?? []) {
    await withRetry(policy, () => apis.iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: name }))).catch((e) => {
      if (!gone(e)) throw e;
    });
  }
  const attached = await withRetry(policy, () => apis.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName })));
  for (const p of attached.AttachedPolicies ?? []) {
    await withRetry(policy, () => apis.iam.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: p.PolicyArn! }))).catch((e) => {
      if (!gone(e)) throw e;
    });
  }
}

/** Deletes the user after its access keys and policies; DeleteConflict (something left, or not yet visible as gone) is retried. */
export async function deleteIamUser(apis: AwsApis, policy: RetryPolicy, userName: string, attempts: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await emptyIamUser(apis, policy, userName);
      await withRetry(policy, () => apis.iam.send(new DeleteUserCommand({ UserName: userName })));
      return;
    } catch (e) {
      if (gone(e)) return;
      if (!hasCode(e, "DeleteConflict", "DeleteConflictException") || attempt + 1 >= attempts) throw e;
      await policy.sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
    }
  }
}

/**
 * The one teardown of a machine's resources, bound to APIs, retry policy and bounds: `machine rm`
 * runs it on everything found, and a failed create's rollback runs it on what that create made.
 */
export class Teardown {
  constructor(private readonly apis: AwsApis, private readonly policy: RetryPolicy, private readonly timeouts: TeardownTimeouts) {}
  instances(ids: string[]): Promise<void> {
    return terminateInstances(this.apis, this.policy, ids, this.timeouts.terminateMs);
  }
  securityGroup(groupId: string): Promise<void> {
    return deleteSecurityGroup(this.apis, this.policy, groupId, this.timeouts.securityGroupMs);
  }
  keyPair(keyName: string): Promise<void> {
    return deleteKeyPair(this.apis, this.policy, keyName);
  }
  /** The user with its access keys and policies. */
  iamUser(userName: string): Promise<void> {
    return deleteIamUser(this.apis, this.policy, userName, this.timeouts.iamUserAttempts);
  }
}
