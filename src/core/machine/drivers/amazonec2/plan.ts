/** What a create would make, as lines (the --dry-run output, and the record of every rule). */
import { MACHINE_TAG } from "../../names.js";
import { DESCRIBE_ACTIONS, INSTANCE_READ_ACTIONS, POWER_ACTIONS, machinePolicyName } from "./iam-policy.js";
import type { PortRule } from "./options.js";

export interface PlanInput {
  machine: string;
  region: string;
  account: string;
  dir: string;
  iamUser: string;
  keyPairName: string;
  securityGroupName: string;
  vpcId: string;
  subnetId: string;
  instanceType: string;
  ami: string;
  amiName: string;
  rootSize: number;
  openPorts: PortRule[];
  sshCidr: string;
  sshUser: string;
  tags: Record<string, string>;
}

/** Open to everyone on every machine: HTTP and HTTPS, which the engine's edge serves. */
const WEB_PORTS = [80, 443] as const;

export function ingressRules(openPorts: PortRule[], sshCidr: string): { port: number; protocol: string; cidr: string }[] {
  const web = (p: PortRule) => p.protocol === "tcp" && (WEB_PORTS as readonly number[]).includes(p.port);
  const everyone = [...WEB_PORTS.map((port) => ({ port: port as number, protocol: "tcp" as string })), ...openPorts.filter((p) => !web(p))];
  return [...everyone.map((p) => ({ ...p, cidr: "0.0.0.0/0" })), { port: 22, protocol: "tcp", cidr: sshCidr }];
}

export function planLines(p: PlanInput): string[] {
  const tags = [`Name=${p.machine}`, `${MACHINE_TAG}=${p.machine}`, ...Object.entries(p.tags).map(([k, v]) => `${k}=${v}`)].join(", ");
  return [
    `Would create, in ${p.region} (account ${p.account}), for machine ${p.machine}:`,
    `  IAM user ${p.iamUser} (path /fdock/, tags ${tags})`,
    `    inline policy ${machinePolicyName(p.machine)}: ${[...POWER_ACTIONS, ...INSTANCE_READ_ACTIONS].join(", ")} on instances tagged ${MACHINE_TAG}=${p.machine}; ${DESCRIBE_ACTIONS.join(", ")} on * (Describe actions cannot be scoped)`,
    `    an access key for it, saved 0600 in ${p.dir}/aws-credentials.json`,
    `  ed25519 key ${p.dir}/id_ed25519 (0600, stays here), its public half imported as key pair ${p.keyPairName}`,
    `  security group ${p.securityGroupName} in ${p.vpcId}, inbound only:`,
    ...ingressRules(p.openPorts, p.sshCidr).map((r) => `    ${r.protocol} ${r.port} from ${r.cidr}`),
    `  instance ${p.instanceType} from ${p.ami} (${p.amiName}) in ${p.subnetId} with a public IPv4 address`,
    `    root volume gp3 ${p.rootSize} GiB, encrypted; IMDSv2 required; tags ${tags} (instance and volume)`,
    `    cloud-init installs docker.io and adds ${p.sshUser} to the docker group`,
    `Nothing was created (--dry-run).`,
  ];
}
