/**
 * Create's flags turned into validated options (pure: no SDK, no network). Every bad value is a
 * UserError that names the flag.
 */
import { UserError } from "../../../errors.js";
import type { FlagValues } from "../../driver.js";
import { MACHINE_TAG } from "../../names.js";
import { checkText, checkToken, shown } from "../../flag-checks.js";

export interface PortRule {
  port: number;
  protocol: "tcp" | "udp";
}

export interface Amazonec2Options {
  /** Region given by flag or AWS_REGION; undefined: the profile's region, then us-east-1. */
  region?: string;
  profile?: string;
  endpoint?: string;
  instanceType: string;
  ami?: string;
  vpcId?: string;
  subnetId?: string;
  rootSize: number;
  openPorts: PortRule[];
  sshUser: string;
  /** Given by flag; undefined: learn the caller's own address at create. */
  sshCidr?: string;
  tags: Record<string, string>;
  iamUser?: string;
}

export const RESERVED_TAGS = ["Name", MACHINE_TAG];

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A flag's value whether the CLI keyed it "amazonec2-region" or "amazonec2Region". */
function raw(flags: FlagValues, name: string): string | string[] | boolean | undefined {
  return flags[name] ?? flags[camel(name)];
}

function str(flags: FlagValues, name: string): string | undefined {
  const v = raw(flags, name);
  if (v === undefined || v === false) return undefined;
  if (Array.isArray(v)) return v.length ? v[v.length - 1] : undefined;
  if (v === true) throw new UserError(`--${name} needs a value.`);
  const t = String(v).trim();
  return t === "" ? undefined : t;
}

function list(flags: FlagValues, name: string): string[] {
  const v = raw(flags, name);
  if (v === undefined || v === false) return [];
  const items = (Array.isArray(v) ? v : [v]).map(String);
  return items.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
}

const optional = <T>(value: string | undefined, check: (v: string) => T): T | undefined => (value === undefined ? undefined : check(value));


export function parsePort(value: string, flag = "amazonec2-open-port"): PortRule {
  const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(value.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`--${flag} ${shown(value)} is not a port.`, "Give a number from 1 to 65535, optionally with /tcp or /udp (8443, 53/udp).");
  }
  if (port === 2375 || port === 2376) {
    throw new UserError(`--${flag} ${port}: fdock never opens Docker's TCP port.`, "fdock reaches Docker over SSH; remove this flag.");
  }
  if (port === 22) {
    throw new UserError(`--${flag} 22: SSH is opened only to --amazonec2-ssh-cidr.`, "Use --amazonec2-ssh-cidr to say who may reach port 22.");
  }
  return { port, protocol: (m[2]?.toLowerCase() ?? "tcp") as "tcp" | "udp" };
}

export function parseCidr(value: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) {
    throw new UserError(`--amazonec2-ssh-cidr ${shown(value)} is not an IPv4 address or CIDR.`, "Give your address as 203.0.113.7/32.");
  }
  const cidr = m[5] === undefined ? `${m.slice(1, 5).join(".")}/32` : value.trim();
  if (cidr.endsWith("/0")) {
    throw new UserError(
      `--amazonec2-ssh-cidr ${cidr} opens SSH to the whole internet.`,
      "Give your own address (curl https://checkip.amazonaws.com) as /32, or your network's range.",
    );
  }
  return cidr;
}

export function parseTags(value: string | undefined): Record<string, string> {
  if (!value) return {};
  const parts = value.split(",");
  if (parts.length % 2 !== 0) {
    throw new UserError(`--amazonec2-tags ${shown(value)} has a key without a value.`, "Give key1,value1,key2,value2.");
  }
  const tags: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 2) {
    const key = parts[i]!.trim();
    if (!key) throw new UserError(`--amazonec2-tags ${shown(value)} has an empty key.`);
    if (RESERVED_TAGS.includes(key)) throw new UserError(`--amazonec2-tags: the tag ${key} is set by fdock.`, "Choose another key.");
    tags[key] = parts[i + 1]!.trim();
  }
  return tags;
}

export function parseOptions(flags: FlagValues, env: NodeJS.ProcessEnv): Amazonec2Options {
  const regionFlag = str(flags, "amazonec2-region");
  const region = regionFlag ?? (env.AWS_REGION?.trim() || undefined);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UserError(`${regionFlag === undefined ? "AWS_REGION" : "--amazonec2-region"} ${shown(region)} is not an AWS region name.`, "Give one like us-east-1 or eu-west-3 (aws ec2 describe-regions lists them).");
  }
  const instanceType = str(flags, "amazonec2-instance-type") ?? "t3.micro";
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
    throw new UserError(`--amazonec2-instance-type ${shown(instanceType)} is not an instance type.`, "Give one like t3.micro or t4g.small.");
  }
  const ami = str(flags, "amazonec2-ami");
  if (ami !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(ami)) {
    throw new UserError(`--amazonec2-ami ${shown(ami)} is not an AMI id.`, "Give one like ami-0abcdef1234567890.");
  }
  const vpcId = str(flags, "amazonec2-vpc-id");
  if (vpcId !== undefined && !/^vpc-[0-9a-f]+$/.test(vpcId)) throw new UserError(`--amazonec2-vpc-id ${shown(vpcId)} is not a VPC id.`);
  const subnetId = str(flags, "amazonec2-subnet-id");
  if (subnetId !== undefined && !/^subnet-[0-9a-f]+$/.test(subnetId)) throw new UserError(`--amazonec2-subnet-id ${shown(subnetId)} is not a subnet id.`);
  const rootSizeText = str(flags, "amazonec2-root-size") ?? "16";
  const rootSize = Number(rootSizeText);
  if (!/^\d+$/.test(rootSizeText) || rootSize < 8 || rootSize > 16384) {
    throw new UserError(`--amazonec2-root-size ${shown(rootSizeText)} is not a size in GiB from 8 to 16384.`);
  }
  const openPorts = list(flags, "amazonec2-open-port").map((p) => parsePort(p));
  const sshUser = str(flags, "amazonec2-ssh-user") ?? "ubuntu";
  if (!/^[a-z_][a-z0-9_-]*$/.test(sshUser)) throw new UserError(`--amazonec2-ssh-user ${shown(sshUser)} is not a user name.`);
  const cidrText = str(flags, "amazonec2-ssh-cidr");
  const endpoint = str(flags, "amazonec2-endpoint");
  if (endpoint !== undefined && (!/^https?:\/\/[^\s/]+/.test(endpoint) || /[\s\u0000-\u001f\u007f]/.test(endpoint) || !URL.canParse(endpoint))) {
    throw new UserError(`--amazonec2-endpoint ${shown(endpoint)} is not a URL.`, "Give one like http://127.0.0.1:5000.");
  }
  const iamUser = str(flags, "amazonec2-iam-user");
  if (iamUser !== undefined && !/^[\w+=,.@-]{1,64}$/.test(iamUser)) {
    throw new UserError(`--amazonec2-iam-user ${shown(iamUser)} is not an IAM user name.`, "Use letters, digits and +=,.@_- (at most 64).");
  }
  return {
    region,
    profile: optional(str(flags, "amazonec2-profile"), (p) => checkToken("amazonec2-profile", p, "the name of a profile in ~/.aws/config")),
    endpoint,
    instanceType,
    ami,
    vpcId,
    subnetId,
    rootSize,
    openPorts,
    sshUser,
    sshCidr: cidrText === undefined ? undefined : parseCidr(cidrText),
    tags: parseTags(optional(str(flags, "amazonec2-tags"), (t) => checkText("amazonec2-tags", t, "key1,value1,key2,value2"))),
    iamUser,
  };
}
