/** The swarm's ports between a cluster's EC2 members: its security group opened, joined, left and closed as the cluster changes. */
import { step, type Reporter } from "../events.js";
import { closeSwarmGroup, clusterGroupName, openSwarmGroup, setMembership } from "./ec2-swarm-group.js";
import { ec2ApiFor, ec2Members } from "./ec2-members.js";

/** The cluster's security group, as the cluster's config records it. */
export interface ClusterGroup {
  id: string;
  region: string;
  vpcId: string;
  /** The first EC2 member's endpoint and profile, to reach the group when no EC2 member is left. */
  endpoint?: string;
  profile?: string;
}

/** The group as one more place the members must share (same region and VPC), and a way to reach it. */
const asMember = (g: ClusterGroup, what: string) => ({ machine: what, instanceId: "", vpcId: g.vpcId, region: g.region, endpoint: g.endpoint, profile: g.profile });

/**
 * Admits `machines`' EC2 instances to the cluster's group, making the group first when the cluster
 * has none. Returns the group (undefined: no EC2 member) and how to undo exactly this.
 */
export async function openPorts(cluster: string, machines: string[], existing: ClusterGroup | undefined, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<{ group?: ClusterGroup; undo(): Promise<void> }> {
  const members = ec2Members(machines, env);
  if (!members.length) return { group: existing, undo: async () => undefined };
  const { ec2, vpcId, region } = await ec2ApiFor(existing ? [...members, asMember(existing, `cluster ${cluster}`)] : members);
  const ids = members.map((m) => m.instanceId);
  if (existing) {
    await step(reporter, "ports", `admitting ${members.map((m) => m.machine).join(", ")} to security group ${clusterGroupName(cluster)} (swarm ports)`, async () => {
      for (const id of ids) await setMembership(ec2, id, existing.id, true);
    });
    return { group: existing, undo: async () => { for (const id of ids) await setMembership(ec2, id, existing.id, false); } };
  }
  const id = await step(reporter, "ports", `opening the swarm's ports between ${members.map((m) => m.machine).join(", ")}: security group ${clusterGroupName(cluster)} admits its own members`, () => openSwarmGroup(ec2, cluster, vpcId, ids));
  return { group: { id, region, vpcId, endpoint: members[0]!.endpoint, profile: members[0]!.profile }, undo: () => closeSwarmGroup(ec2, id, ids) };
}

/** Takes one machine's instance out of the group (remove-node). */
export async function leavePorts(group: ClusterGroup | undefined, machine: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [member] = ec2Members([machine], env);
  if (!group || !member) return;
  const { ec2 } = await ec2ApiFor([member]);
  await setMembership(ec2, member.instanceId, group.id, false);
}

/** Takes every member's instance out of the group and deletes it (cluster rm). */
export async function closePorts(group: ClusterGroup | undefined, machines: string[], env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
  if (!group) return;
  const members = ec2Members(machines, env);
  const { ec2 } = await ec2ApiFor([...members, asMember(group, "the cluster's group")]);
  await step(reporter, "ports", `deleting security group ${group.id} (the swarm's ports)`, () => closeSwarmGroup(ec2, group.id, members.map((m) => m.instanceId)));
}
