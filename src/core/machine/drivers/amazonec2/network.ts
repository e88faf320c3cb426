/** Where the instance goes: the given subnet, a default subnet of the given VPC, or of the region's default VPC. */
import { DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet } from "@aws-sdk/client-ec2";
import { UserError } from "../../../errors.js";
import type { AwsApis } from "./aws-clients.js";
import { hasCode } from "./aws-errors.js";
import { withRetry, type RetryPolicy } from "./retry.js";

export interface Placement {
  vpcId: string;
  subnetId: string;
  zone?: string;
}

function pick(subnets: Subnet[]): Subnet | undefined {
  return [...subnets]
    .filter((s) => s.State === undefined || s.State === "available")
    .sort((a, b) => Number(b.DefaultForAz ?? false) - Number(a.DefaultForAz ?? false) || (a.AvailabilityZone ?? "").localeCompare(b.AvailabilityZone ?? ""))[0];
}

export async function resolvePlacement(apis: AwsApis, policy: RetryPolicy, vpcId?: string, subnetId?: string): Promise<Placement> {
  if (subnetId) {
    let subnet: Subnet | undefined;
    try {
      subnet = (await withRetry(policy, () => apis.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })))).Subnets?.[0];
    } catch (e) {
      if (!hasCode(e, "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed")) throw e;
    }
    if (!subnet?.VpcId) throw new UserError(`The subnet ${subnetId} does not exist in ${apis.region}.`);
    if (vpcId && subnet.VpcId !== vpcId) {
      throw new UserError(`The subnet ${subnetId} is in ${subnet.VpcId}, not in --amazonec2-vpc-id ${vpcId}.`);
    }
    return { vpcId: subnet.VpcId, subnetId, zone: subnet.AvailabilityZone };
  }
  let vpc = vpcId;
  if (!vpc) {
    const vpcs = await withRetry(policy, () => apis.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] })));
    vpc = vpcs.Vpcs?.[0]?.VpcId;
    if (!vpc) {
      throw new UserError(
        `The region ${apis.region} has no default VPC.`,
        "Pass --amazonec2-vpc-id and --amazonec2-subnet-id (a public subnet), or create a default VPC: aws ec2 create-default-vpc.",
      );
    }
  }
  let subnets: Subnet[] = [];
  try {
    subnets = (await withRetry(policy, () => apis.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }] })))).Subnets ?? [];
  } catch (e) {
    if (!hasCode(e, "InvalidVpcID.NotFound")) throw e;
  }
  const subnet = pick(subnets);
  if (!subnet?.SubnetId) {
    throw new UserError(`The VPC ${vpc} has no subnet in ${apis.region} (or does not exist).`, "Pass --amazonec2-subnet-id with a public subnet.");
  }
  return { vpcId: vpc, subnetId: subnet.SubnetId, zone: subnet.AvailabilityZone };
}
