/** Shared pieces of the aws suite: a create context on a temp folder, and reading AWS back. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { GetUserCommand, IAMClient } from "@aws-sdk/client-iam";
import type { CreateContext, Driver } from "../../src/core/machine/driver.js";
import type { ProgressEvent } from "../../src/core/events.js";

export interface TestContext extends CreateContext {
  events: ProgressEvent[];
  /** driver.toJSON() at each checkpoint. */
  snapshots: Record<string, unknown>[];
  abort: AbortController;
  cleanup(): void;
}

export function createContext(name: string, driver?: () => Driver): TestContext {
  const dir = mkdtempSync(join(tmpdir(), `fdock-aws-${name}-`));
  const events: ProgressEvent[] = [];
  const snapshots: Record<string, unknown>[] = [];
  const abort = new AbortController();
  return {
    name,
    dir,
    events,
    snapshots,
    abort,
    signal: abort.signal,
    reporter: { emit: (e) => events.push(e) },
    checkpoint: async () => {
      if (driver) snapshots.push(driver().toJSON());
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const staticCreds = { accessKeyId: "AKIDTESTTESTTEST", secretAccessKey: "test-caller-secret-not-real" };

export function readers(endpoint: string) {
  const common = { region: "us-east-1", endpoint, credentials: staticCreds };
  return { ec2: new EC2Client(common), iam: new IAMClient(common) };
}

/** What AWS holds of a machine: live instances, security groups, key pairs (by tag) and the IAM user. */
export async function holdings(endpoint: string, machine: string, iamUser = `fdock-${machine}`) {
  const { ec2, iam } = readers(endpoint);
  const tag = { Name: "tag:fdock:machine", Values: [machine] };
  const instances: Instance[] = (await ec2.send(new DescribeInstancesCommand({ Filters: [tag] }))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  const live = instances.filter((i) => i.State?.Name !== "terminated");
  const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [tag] }))).SecurityGroups ?? [];
  const named = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [`fdock-${machine}`] }] }))).SecurityGroups ?? [];
  const keys = (await ec2.send(new DescribeKeyPairsCommand({ Filters: [tag] }))).KeyPairs ?? [];
  const user = await iam.send(new GetUserCommand({ UserName: iamUser })).then((u) => u.User, () => undefined);
  return { instances, live, groups: [...groups, ...named.filter((g) => !groups.some((x) => x.GroupId === g.GroupId))], keys, user };
}

/** Every string the driver reported, returned or serialized, and every error message, in one text. */
export function everythingSaid(parts: unknown[]): string {
  return parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)))).join("\n");
}
