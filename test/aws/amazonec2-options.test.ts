import { describe, expect, it } from "vitest";
import { pickUbuntuLts, architectureOf } from "../../src/core/machine/drivers/amazonec2/ami.js";
import { amazonec2Flags } from "../../src/core/machine/drivers/amazonec2/entry.js";
import { machinePolicy } from "../../src/core/machine/drivers/amazonec2/iam-policy.js";
import { parseOptions } from "../../src/core/machine/drivers/amazonec2/options.js";
import { ingressRules } from "../../src/core/machine/drivers/amazonec2/plan.js";
import { NO_PROVISION, baseFlags, fakeCloud } from "./fake-aws.js";
import { createContext } from "./helpers.js";

/** The pure parts: flags, the policy document, the rules, the image choice. */
describe("amazonec2 options, policy and plan", () => {
  it("has docker-machine's flag names and documented defaults", () => {
    const names = amazonec2Flags.map((f) => f.name);
    for (const n of ["region", "instance-type", "ami", "vpc-id", "subnet-id", "root-size", "open-port", "ssh-user", "tags", "endpoint", "ssh-cidr", "iam-user", "profile"]) {
      expect(names).toContain(`amazonec2-${n}`);
    }
    expect(amazonec2Flags.find((f) => f.name === "amazonec2-open-port")?.repeatable).toBe(true);
    const o = parseOptions({}, {});
    expect(o).toMatchObject({ instanceType: "t3.micro", sshUser: "ubuntu", rootSize: 16, openPorts: [], tags: {} });
    expect(o.sshCidr).toBeUndefined();
  });

  it("reads flags keyed as the CLI gives them; the core's own options are not driver flags", () => {
    const o = parseOptions(
      { amazonec2Region: "eu-west-3", "amazonec2-open-port": ["8443", "53/udp"], "amazonec2-tags": "team,web,env,prod", "ssh-timeout": "30", provision: false, "dry-run": true },
      {},
    );
    expect(o).toMatchObject({ region: "eu-west-3", openPorts: [{ port: 8443, protocol: "tcp" }, { port: 53, protocol: "udp" }], tags: { team: "web", env: "prod" } });
    for (const core of ["sshTimeoutSeconds", "noProvision", "dryRun"]) expect(o).not.toHaveProperty(core);
    expect(parseOptions({}, { AWS_REGION: "ap-south-1" }).region).toBe("ap-south-1");
    expect(parseOptions({ "amazonec2-region": "us-west-2" }, { AWS_REGION: "ap-south-1" }).region).toBe("us-west-2");
    expect(parseOptions({ "amazonec2-ssh-cidr": "203.0.113.7" }, {}).sshCidr).toBe("203.0.113.7/32");
  });

  it("refuses bad values with the flag's name", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ "amazonec2-open-port": ["http"] }, /--amazonec2-open-port "http" is not a port/],
      [{ "amazonec2-open-port": ["70000"] }, /is not a port/],
      [{ "amazonec2-open-port": ["2376"] }, /never opens Docker's TCP port/],
      [{ "amazonec2-open-port": ["22"] }, /--amazonec2-ssh-cidr/],
      [{ "amazonec2-ssh-cidr": "0.0.0.0/0" }, /opens SSH to the whole internet/],
      [{ "amazonec2-ssh-cidr": "my-laptop" }, /not an IPv4 address or CIDR/],
      [{ "amazonec2-region": "mars-1" }, /not an AWS region name/],
      [{ "amazonec2-instance-type": "huge" }, /not an instance type/],
      [{ "amazonec2-ami": "ubuntu" }, /not an AMI id/],
      [{ "amazonec2-root-size": "2" }, /root-size "2"/],
      [{ "amazonec2-tags": "a,b,c" }, /key without a value/],
      [{ "amazonec2-tags": "Name,x" }, /the tag Name is set by fdock/],
      [{ "amazonec2-endpoint": "localhost:5000" }, /not a URL/],
      [{ "amazonec2-iam-user": "bad name" }, /not an IAM user name/],
    ];
    for (const [flags, message] of bad) expect(() => parseOptions(flags as never, {}), JSON.stringify(flags)).toThrow(message);
  });

  it("opens 80, 443 and chosen ports to everyone, 22 only to the SSH CIDR, never 2375/2376", () => {
    expect(ingressRules([{ port: 8443, protocol: "tcp" }, { port: 80, protocol: "tcp" }, { port: 443, protocol: "tcp" }], "203.0.113.7/32")).toEqual([
      { port: 80, protocol: "tcp", cidr: "0.0.0.0/0" },
      { port: 443, protocol: "tcp", cidr: "0.0.0.0/0" },
      { port: 8443, protocol: "tcp", cidr: "0.0.0.0/0" },
      { port: 22, protocol: "tcp", cidr: "203.0.113.7/32" },
    ]);
  });

  it("writes a policy scoped by tag: no * resource for a mutating action, no managed policy", () => {
    const p = machinePolicy({ machine: "web", region: "eu-west-3", account: "123456789012", partition: "aws" });
    for (const s of p.Statement) {
      if (s.Action.some((a) => !/^ec2:Describe/.test(a))) {
        expect(s.Resource).toBe("arn:aws:ec2:eu-west-3:123456789012:instance/*");
        expect(s.Condition).toEqual({ StringEquals: { "aws:ResourceTag/fdock:machine": "web" } });
      }
    }
    expect(p.Statement.flatMap((s) => s.Action).filter((a) => !/^ec2:(Describe|Get)/.test(a)).sort()).toEqual(["ec2:RebootInstances", "ec2:StartInstances", "ec2:StopInstances"]);
  });

  it("picks the newest current Ubuntu LTS for the instance's architecture", () => {
    const images = [
      { ImageId: "ami-old", Name: "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20170721", CreationDate: "2017-07-21" },
      { ImageId: "ami-jammy", Name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250101", CreationDate: "2025-01-01" },
      { ImageId: "ami-noble1", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101", CreationDate: "2025-01-01" },
      { ImageId: "ami-noble2", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251101", CreationDate: "2025-11-01" },
      { ImageId: "ami-interim", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-plucky-25.04-amd64-server-20251101", CreationDate: "2025-11-02" },
      { ImageId: "ami-arm", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20251101", CreationDate: "2025-11-01" },
    ];
    expect(pickUbuntuLts(images, "amd64")?.ImageId).toBe("ami-noble2");
    expect(pickUbuntuLts(images, "arm64")?.ImageId).toBe("ami-arm");
    expect(pickUbuntuLts(images.slice(0, 1), "amd64")).toBeUndefined();
    expect(architectureOf("t4g.small")).toBe("arm64");
    expect(architectureOf("t3.micro")).toBe("amd64");
  });

  it("never falls back to 0.0.0.0/0 when the caller's address cannot be learned", async () => {
    const cloud = fakeCloud();
    const driver = await cloud.factory.fromFlags(baseFlags({ "amazonec2-ssh-cidr": undefined }), {}, NO_PROVISION);
    const ctx = createContext("web");
    try {
      await expect(driver.preCreateCheck(ctx)).rejects.toThrow(/Cannot learn your public IP address/);
      expect(cloud.calls().filter((c) => /Create|Run|Import|Authorize/.test(c))).toEqual([]);
    } finally {
      ctx.cleanup();
    }
  });
});
