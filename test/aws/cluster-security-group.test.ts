import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closePorts, leavePorts, openPorts } from "../../src/core/cluster/cluster-ports.js";
import { swarmAddress } from "../../src/core/cluster/ec2-members.js";
import { CONFIG_VERSION, MachineStore } from "../../src/core/machine/store.js";
import { closeSwarmGroup, clusterGroupName, openSwarmGroup, primaryInterface, swarmIngress } from "../../src/core/cluster/ec2-swarm-group.js";
import { readers } from "./helpers.js";
import { startMoto, type Moto } from "./moto.js";

const MOTO_UBUNTU_AMI = "ami-785db401";

/**
 * The cluster's EC2 security group against moto: a group admitting only its own members on the
 * swarm's ports, attached to each member's instance beside the machine's own group, and gone
 * again (the instances back to their own group only) when the cluster is removed.
 */
describe("a cluster's EC2 security group, against moto", () => {
  let moto: Moto;
  const saved = { ...process.env };
  const home = mkdtempSync(join(tmpdir(), "fdock-cluster-aws-"));
  beforeAll(async () => {
    moto = await startMoto();
    // The caller's credentials, through the SDK's chain (what cluster create uses).
    process.env.AWS_ACCESS_KEY_ID = "AKIDCALLERCALLER";
    process.env.AWS_SECRET_ACCESS_KEY = "caller-secret-from-the-environment";
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
    await moto?.stop();
  });

  async function instance(ec2: ReturnType<typeof readers>["ec2"], name: string, vpcId: string, subnetId: string) {
    const own = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `fdock-${name}`, Description: name, VpcId: vpcId }))).GroupId!;
    const run = await ec2.send(new RunInstancesCommand({ ImageId: MOTO_UBUNTU_AMI, MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: [own] }] }));
    return { own, id: run.Instances![0]!.InstanceId! };
  }
  const groupsOf = async (ec2: ReturnType<typeof readers>["ec2"], id: string) => (await primaryInterface(ec2, id))!.groups.sort();

  it("the rules name each swarm port from the group itself, nothing from an address range", () => {
    expect(swarmIngress("sg-1").map((p) => [p.IpProtocol, p.FromPort, p.ToPort, p.UserIdGroupPairs![0]!.GroupId, p.IpRanges])).toEqual([
      ["tcp", 2377, 2377, "sg-1", undefined],
      ["tcp", 7946, 7946, "sg-1", undefined],
      ["udp", 7946, 7946, "sg-1", undefined],
      ["udp", 4789, 4789, "sg-1", undefined],
    ]);
  });

  it("create: a self-referencing group on the members; rm: detached and deleted, the machines' own groups kept", async () => {
    const { ec2 } = readers(moto.endpoint);
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))).Subnets![0]!;
    const m1 = await instance(ec2, "m1", subnet.VpcId!, subnet.SubnetId!);
    const m2 = await instance(ec2, "m2", subnet.VpcId!, subnet.SubnetId!);

    const groupId = await openSwarmGroup(ec2, "c1", subnet.VpcId!, [m1.id, m2.id]);
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!;
    expect(group.GroupName).toBe(clusterGroupName("c1"));
    expect(group.Tags).toContainEqual({ Key: "fdock:cluster", Value: "c1" });
    const rules = (group.IpPermissions ?? []).map((p) => `${p.IpProtocol}/${p.FromPort}-${p.ToPort} from ${(p.UserIdGroupPairs ?? []).map((g) => g.GroupId).join(",")} ranges ${(p.IpRanges ?? []).length}`).sort();
    expect(rules).toEqual([`tcp/2377-2377 from ${groupId} ranges 0`, `tcp/7946-7946 from ${groupId} ranges 0`, `udp/4789-4789 from ${groupId} ranges 0`, `udp/7946-7946 from ${groupId} ranges 0`]);
    expect(await groupsOf(ec2, m1.id)).toEqual([m1.own, groupId].sort());
    expect(await groupsOf(ec2, m2.id)).toEqual([m2.own, groupId].sort());

    await closeSwarmGroup(ec2, groupId, [m1.id, m2.id]);
    expect(await groupsOf(ec2, m1.id)).toEqual([m1.own]);
    expect(await groupsOf(ec2, m2.id)).toEqual([m2.own]);
    const left = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [clusterGroupName("c1")] }] }))).SecurityGroups ?? [];
    expect(left).toEqual([]);
    // Closing again (a second rm, or an undo after a failure) is harmless.
    await closeSwarmGroup(ec2, groupId, [m1.id, m2.id]);
  });

  it("cluster create/add/remove-node/rm: the group follows the amazonec2 members in the machine store; generic members are left alone", async () => {
    const { ec2 } = readers(moto.endpoint);
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))).Subnets![0]!;
    const env = { FDOCK_HOME: home, HOME: home };
    const store = new MachineStore(env);
    const made: Record<string, { own: string; id: string }> = {};
    for (const name of ["e1", "e2", "e3"]) {
      made[name] = await instance(ec2, `c2-${name}`, subnet.VpcId!, subnet.SubnetId!);
      store.save({
        version: CONFIG_VERSION, name, driver: "amazonec2", state: "ready", createdAt: "2026-01-01T00:00:00.000Z",
        ssh: { host: `198.51.100.${name.at(-1)}`, port: 22, user: "ubuntu", keyPath: "/nonexistent" },
        driverData: { version: 1, region: "us-east-1", privateIp: `10.0.0.${name.at(-1)}`, options: { endpoint: moto.endpoint }, resources: { made: [], instanceId: made[name]!.id }, prepared: { vpcId: subnet.VpcId } },
      });
    }
    store.save({ version: CONFIG_VERSION, name: "g1", driver: "generic", driverData: {}, state: "ready", createdAt: "2026-01-01T00:00:00.000Z", ssh: { host: "192.0.2.9", port: 22, user: "root", keyPath: "/nonexistent" } });
    // The swarm advertises an EC2 instance's private address (what the group's self-reference admits).
    expect(swarmAddress(store.load("e1"))).toBe("10.0.0.1");
    expect(swarmAddress(store.load("g1"))).toBe("192.0.2.9");
    const silent = { emit: () => undefined };

    const created = await openPorts("c2", ["e1", "g1", "e2"], undefined, env, silent);
    const group = created.group!;
    expect(group).toMatchObject({ region: "us-east-1", vpcId: subnet.VpcId, endpoint: moto.endpoint });
    expect(await groupsOf(ec2, made.e1!.id)).toEqual([made.e1!.own, group.id].sort());
    expect(await groupsOf(ec2, made.e2!.id)).toEqual([made.e2!.own, group.id].sort());
    // add: the new member joins the existing group; its undo takes only it out again.
    const added = await openPorts("c2", ["e3"], group, env, silent);
    expect(added.group).toEqual(group);
    expect(await groupsOf(ec2, made.e3!.id)).toEqual([made.e3!.own, group.id].sort());
    await added.undo();
    expect(await groupsOf(ec2, made.e3!.id)).toEqual([made.e3!.own]);
    expect(await groupsOf(ec2, made.e1!.id)).toEqual([made.e1!.own, group.id].sort());
    // remove-node, then rm.
    await leavePorts(group, "e2", env);
    expect(await groupsOf(ec2, made.e2!.id)).toEqual([made.e2!.own]);
    await closePorts(group, ["e1", "g1"], env, silent);
    expect(await groupsOf(ec2, made.e1!.id)).toEqual([made.e1!.own]);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [clusterGroupName("c2")] }] }))).SecurityGroups).toEqual([]);
  });
});
