/**
 * EC2: one security group per cluster, fdock-cluster-NAME, whose only rules admit its own members
 * (a self-referencing ingress on the swarm's ports), attached to every amazonec2 member's instance
 * next to the machine's own group. Uses the caller's credentials (as create and rm do).
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import type { Ec2Api } from "../machine/drivers/amazonec2/aws-clients.js";
import { hasCode } from "../machine/drivers/amazonec2/aws-errors.js";
import { SWARM_PORTS } from "./swarm-ports.js";

/** The tag every cluster group carries, its value the cluster's name. */
export const CLUSTER_TAG = "fdock:cluster";
export const clusterGroupName = (cluster: string) => `fdock-cluster-${cluster}`;

/** The group's ingress: each swarm port, from members of the group itself only. Pure. */
export function swarmIngress(groupId: string): IpPermission[] {
  return SWARM_PORTS.map((p) => ({
    IpProtocol: p.protocol,
    FromPort: p.port,
    ToPort: p.port,
    UserIdGroupPairs: [{ GroupId: groupId, Description: `swarm ${p.what}, between the cluster's members` }],
  }));
}

/** The instance's primary network interface and its groups (an instance's groups are its primary interface's). */
export async function primaryInterface(ec2: Ec2Api, instanceId: string): Promise<{ id: string; groups: string[] } | null> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const nic = out.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces?.find((n) => (n.Attachment?.DeviceIndex ?? 0) === 0);
  if (!nic?.NetworkInterfaceId) return null; // terminated: it holds no group any more
  return { id: nic.NetworkInterfaceId, groups: (nic.Groups ?? []).map((g) => g.GroupId!).filter(Boolean) };
}

/** Puts the instance in the group (keeping its others), or takes it out. */
export async function setMembership(ec2: Ec2Api, instanceId: string, groupId: string, member: boolean): Promise<void> {
  const nic = await primaryInterface(ec2, instanceId);
  if (!nic) return;
  const next = member ? [...new Set([...nic.groups, groupId])] : nic.groups.filter((g) => g !== groupId);
  if (next.length === nic.groups.length && next.every((g) => nic.groups.includes(g))) return;
  await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: nic.id, Groups: next }));
}

/** Creates the cluster's group in the VPC with its self-referencing rules and attaches it to the instances; returns its id. Undone (detached, deleted) on failure. */
export async function openSwarmGroup(ec2: Ec2Api, cluster: string, vpcId: string, instanceIds: string[]): Promise<string> {
  const out = await ec2.send(new CreateSecurityGroupCommand({
    GroupName: clusterGroupName(cluster),
    Description: `fdock cluster ${cluster}: Docker Swarm ports between its members only`,
    VpcId: vpcId,
    TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "Name", Value: clusterGroupName(cluster) }, { Key: CLUSTER_TAG, Value: cluster }] }],
  }));
  const groupId = out.GroupId;
  if (!groupId) throw new Error("EC2 returned no security group id");
  try {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: swarmIngress(groupId) }));
    for (const id of instanceIds) await setMembership(ec2, id, groupId, true);
    return groupId;
  } catch (e) {
    await closeSwarmGroup(ec2, groupId, instanceIds).catch(() => undefined);
    throw e;
  }
}

/** Takes the instances out of the group and deletes it (a group already gone is fine). */
export async function closeSwarmGroup(ec2: Ec2Api, groupId: string, instanceIds: string[]): Promise<void> {
  for (const id of instanceIds) {
    try {
      await setMembership(ec2, id, groupId, false);
    } catch (e) {
      if (!hasCode(e, "InvalidInstanceID.NotFound")) throw e; // an instance already terminated holds nothing
    }
  }
  try {
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  } catch (e) {
    if (!hasCode(e, "InvalidGroup.NotFound", "InvalidGroupId.Malformed")) throw e;
  }
}
