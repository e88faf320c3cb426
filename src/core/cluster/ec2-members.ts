/** The cluster members that are amazonec2 machines: their instance, VPC and region, read from the machine store. */
import { UserError } from "../errors.js";
import type { Ec2Api } from "../machine/drivers/amazonec2/aws-clients.js";
import type { Amazonec2Data } from "../machine/drivers/amazonec2/driver-data.js";
import { MachineStore, type MachineConfig } from "../machine/store.js";

export interface Ec2Member {
  machine: string;
  instanceId: string;
  vpcId: string;
  region: string;
  endpoint?: string;
  profile?: string;
}

/** The address a machine's swarm traffic uses: an EC2 instance's private address (what a security group's self-reference admits), else its SSH address. */
export function swarmAddress(config: MachineConfig): string | undefined {
  const privateIp = config.driver === "amazonec2" ? (config.driverData as unknown as Amazonec2Data).privateIp : undefined;
  return privateIp ?? config.ssh?.host;
}

/** The amazonec2 machines among `machines`, with what the security group needs. */
export function ec2Members(machines: string[], env: NodeJS.ProcessEnv): Ec2Member[] {
  const store = new MachineStore(env);
  return machines.flatMap((machine) => {
    const c = store.load(machine);
    if (c.driver !== "amazonec2") return [];
    const data = c.driverData as unknown as Amazonec2Data;
    const instanceId = data.resources?.instanceId;
    const vpcId = data.prepared?.vpcId;
    if (!instanceId || !vpcId || !data.region) throw new UserError(`Machine "${machine}" has no instance recorded (state: ${c.state}).`, `Remove it with \`fdock machine rm -f ${machine}\` and create it again.`);
    return [{ machine, instanceId, vpcId, region: data.region, endpoint: data.options.endpoint, profile: data.options.profile }];
  });
}

/** One VPC for every EC2 member (a security group admits members of its own VPC only); the EC2 API of its region with the caller's credentials. */
export async function ec2ApiFor(members: Ec2Member[]): Promise<{ ec2: Ec2Api; vpcId: string; region: string }> {
  const places = [...new Set(members.map((m) => `${m.region}/${m.vpcId}`))];
  if (places.length > 1) {
    throw new UserError(
      `The cluster's EC2 machines are in different VPCs or regions (${members.map((m) => `${m.machine}: ${m.region}/${m.vpcId}`).join(", ")}).`,
      "Swarm members must reach each other on private addresses: make the machines in one region and VPC (--amazonec2-region, --amazonec2-vpc-id).",
    );
  }
  const first = members[0]!;
  const { makeApis, callerCredentials } = await import("../machine/drivers/amazonec2/aws-clients.js");
  const apis = makeApis({ region: first.region, endpoint: first.endpoint, credentials: callerCredentials(first.profile) });
  return { ec2: apis.ec2, vpcId: first.vpcId, region: first.region };
}
