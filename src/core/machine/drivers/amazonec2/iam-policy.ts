/**
 * The machine IAM user's inline policy: power this one machine (by its fdock:machine tag) and
 * read EC2's state. No managed policy, no `*` resource for anything that changes something.
 */

import { MACHINE_TAG } from "../../names.js";

/** Actions that change something: each scoped to this machine's tagged instances. */
export const POWER_ACTIONS = ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"];
/** Read-only actions on this machine's instance (host key from the console). */
export const INSTANCE_READ_ACTIONS = ["ec2:GetConsoleOutput"];
/** Describe actions support no resource scoping: `*` is the only resource AWS accepts for them. */
export const DESCRIBE_ACTIONS = ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus"];

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export function machinePolicyName(machine: string): string {
  return `fdock-machine-${machine}`;
}

/** partition: "aws" (from the caller's ARN); account: the caller's account id. */
export function machinePolicy(opts: { machine: string; region: string; account: string; partition: string }): PolicyDocument {
  const instances = `arn:${opts.partition}:ec2:${opts.region}:${opts.account}:instance/*`;
  const thisMachine = { StringEquals: { [`aws:ResourceTag/${MACHINE_TAG}`]: opts.machine } };
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "PowerThisMachine", Effect: "Allow", Action: POWER_ACTIONS, Resource: instances, Condition: thisMachine },
      { Sid: "ReadThisMachinesConsole", Effect: "Allow", Action: INSTANCE_READ_ACTIONS, Resource: instances, Condition: thisMachine },
      { Sid: "DescribeCannotBeScoped", Effect: "Allow", Action: DESCRIBE_ACTIONS, Resource: "*" },
    ],
  };
}
