/**
 * `machine rm` for an amazonec2 machine: find what it has in AWS (recorded and tagged), then run
 * the one teardown on each, instance first; what cannot be removed is named.
 */
import { UserError } from "../../../errors.js";
import { step } from "../../../events.js";
import type { RemoveOptions } from "../../driver.js";
import type { AwsSession } from "./aws-session.js";
import { describeFound, findMachine, isEmpty, type RecordedResources } from "./machine-resources.js";
import type { Secrets } from "./redact.js";
import type { RetryPolicy } from "./retry.js";
import { Teardown, type TeardownTimeouts } from "./teardown.js";

export interface RemoveContext {
  machine: string;
  resources: RecordedResources;
  /** The IAM user's name when none was recorded. */
  iamUser: string;
  session: AwsSession;
  secrets: Secrets;
  policy: RetryPolicy;
  timeouts: TeardownTimeouts;
}

/** Removes (or with dryRun names) everything of the machine in AWS; returns what was removed. */
export async function removeResources(c: RemoveContext, opts: RemoveOptions): Promise<string[]> {
  const reporter = c.secrets.reporter(opts.reporter);
  const apis = await c.session.caller();
  const found = await step(reporter, "aws-find", `Finding machine ${c.machine}'s resources in ${apis.region} (recorded and tagged)`, () =>
    findMachine(apis, c.policy, c.machine, c.resources, c.iamUser),
  ).catch((e) => {
    throw c.session.explain(e, apis);
  });
  const all = describeFound(found);
  if (opts.dryRun) {
    for (const line of all.length ? all : ["nothing in AWS"]) reporter.emit({ kind: "info", message: `Would delete ${line}` });
    return all;
  }
  if (isEmpty(found)) return [];

  const teardown = new Teardown(apis, c.policy, c.timeouts);
  const removed: string[] = [];
  const failed: string[] = [];
  const attempt = async (id: string, title: string, what: string[], fn: () => Promise<void>) => {
    if (!what.length) return;
    try {
      await step(reporter, id, title, fn);
      removed.push(...what);
    } catch (e) {
      failed.push(`${what.join(", ")}: ${c.secrets.redact((e as Error).message)}`);
    }
  };
  await attempt("aws-terminate", `Terminating ${found.instanceIds.join(", ")} and waiting until it is gone`, found.instanceIds.map((i) => `EC2 instance ${i}`), () =>
    teardown.instances(found.instanceIds),
  );
  for (const g of found.securityGroupIds) {
    await attempt("aws-security-group", `Deleting security group ${g}`, [`security group ${g}`], () => teardown.securityGroup(g));
  }
  for (const k of found.keyPairNames) {
    await attempt("aws-key-pair", `Deleting key pair ${k}`, [`key pair ${k}`], () => teardown.keyPair(k));
  }
  if (found.iamUser) {
    const u = found.iamUser;
    await attempt("aws-iam-user", `Deleting IAM user ${u} after its access keys and policies`, [`IAM user ${u}`], () => teardown.iamUser(u));
  }
  if (failed.length && !opts.force) {
    throw new UserError(
      `Could not delete everything of machine ${c.machine}: ${failed.join("; ")}.`,
      `Run \`fdock machine rm ${c.machine}\` again (it finds what is left by tag), or with --force to drop the local record anyway.`,
    );
  }
  for (const f of failed) reporter.emit({ kind: "info", message: `Left in AWS: ${f}` });
  return removed;
}
