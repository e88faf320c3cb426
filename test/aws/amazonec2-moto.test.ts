import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { DescribeSecurityGroupsCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { GetUserPolicyCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand } from "@aws-sdk/client-iam";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/core/machine/driver.js";
import { UserError } from "../../src/core/errors.js";
import { createAmazonec2Factory } from "../../src/core/machine/drivers/amazonec2/factory.js";
import type { PolicyDocument } from "../../src/core/machine/drivers/amazonec2/iam-policy.js";
import { createContext, everythingSaid, holdings, readers, type TestContext } from "./helpers.js";
import { NO_PROVISION } from "./fake-aws.js";
import { startMoto, type Moto } from "./moto.js";

/**
 * The amazonec2 driver against moto's server (EC2, IAM, STS over their real HTTP APIs). The
 * caller's credentials come through the SDK's own chain (environment variables here).
 */
const MOTO_UBUNTU_AMI = "ami-785db401"; // moto's Ubuntu 16.04 image in us-east-1 (it holds no current LTS)
const SSH_CIDR = "198.51.100.7/32";

describe("amazonec2 driver against moto", () => {
  let moto: Moto;
  const saved = { ...process.env };
  const contexts: TestContext[] = [];
  // Fast sleeps: moto makes instances running/terminated at once, so waits only need to loop.
  const factory = createAmazonec2Factory((d) => ({ ...d, policy: { ...d.policy, sleep: () => new Promise((r) => setTimeout(r, 5)) } }));

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ACCESS_KEY_ID = "AKIDCALLERCALLER";
    process.env.AWS_SECRET_ACCESS_KEY = "caller-secret-from-the-environment";
    process.env.AWS_REGION = "us-east-1";
    delete process.env.AWS_PROFILE;
  });

  afterAll(async () => {
    process.env = saved;
    for (const c of contexts) c.cleanup();
    await moto?.stop();
  });

  afterEach(async () => {
    await moto.reset();
  });

  const flags = (extra: Record<string, unknown> = {}) => ({
    "amazonec2-endpoint": moto.endpoint,
    "amazonec2-ami": MOTO_UBUNTU_AMI,
    "amazonec2-ssh-cidr": SSH_CIDR,
    "amazonec2-root-size": "12",
    "amazonec2-tags": "team,web",
    ...extra,
  }) as Record<string, string | boolean | string[]>;

  async function newDriver(name: string, extra: Record<string, unknown> = {}) {
    let driver!: Driver;
    const ctx = createContext(name, () => driver);
    contexts.push(ctx);
    driver = await factory.fromFlags(flags(extra), process.env, NO_PROVISION);
    return { driver, ctx };
  }

  it("creates the machine with --no-provision: IMDSv2, encrypted root, tags, exact rules, key pair, least-privilege IAM user; rm leaves nothing", async () => {
    const { driver, ctx } = await newDriver("web1");
    await moto.startRecording();
    await driver.preCreateCheck(ctx);
    await driver.create(ctx);
    const recording = await moto.recording();
    const data = driver.toJSON() as { resources: { instanceId: string; clientToken: string; securityGroupId: string; made: string[] }; ip: string };
    expect(data.resources.made).toEqual(["iam-user", "iam-policy", "access-key", "key-pair", "security-group", "instance"]);

    // RunInstances as sent: the ClientToken saved (checkpointed) before the call, IMDSv2 required, encrypted root.
    const runs = recording.filter((r) => r.params.get("Action") === "RunInstances");
    expect(runs).toHaveLength(1);
    const run = runs[0]!.params;
    expect(run.get("MetadataOptions.HttpTokens")).toBe("required");
    expect(run.get("MetadataOptions.HttpEndpoint")).toBe("enabled");
    expect(run.get("BlockDeviceMapping.1.Ebs.Encrypted")).toBe("true");
    expect(run.get("ClientToken")).toBe(data.resources.clientToken);
    const beforeRun = ctx.snapshots.find((s) => (s.resources as { clientToken?: string; instanceId?: string }).clientToken && !(s.resources as { instanceId?: string }).instanceId);
    expect((beforeRun?.resources as { clientToken: string }).clientToken).toBe(run.get("ClientToken"));
    expect(Buffer.from(run.get("UserData")!, "base64").toString()).toMatch(/docker\.io[\s\S]*usermod, -aG, docker, ubuntu/);

    const held = await holdings(moto.endpoint, "web1");
    expect(held.live).toHaveLength(1);
    const instance = held.live[0]!;
    expect(instance.InstanceId).toBe(data.resources.instanceId);
    expect(instance.KeyName).toBe("fdock-web1");
    expect(instance.PublicIpAddress).toBe(data.ip);
    expect(Object.fromEntries(instance.Tags!.map((t) => [t.Key, t.Value]))).toMatchObject({ Name: "web1", "fdock:machine": "web1", team: "web" });

    const { ec2, iam } = readers(moto.endpoint);
    const volumes = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [instance.InstanceId!] }] }))).Volumes!;
    expect(volumes).toHaveLength(1);
    expect(volumes[0]).toMatchObject({ Encrypted: true, Size: 12 });
    expect(Object.fromEntries(volumes[0]!.Tags!.map((t) => [t.Key, t.Value]))).toMatchObject({ Name: "web1", "fdock:machine": "web1" });

    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [data.resources.securityGroupId] }))).SecurityGroups![0]!;
    expect(group.GroupName).toBe("fdock-web1");
    const rules = group.IpPermissions!.flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort} ${r.CidrIp}`)).sort();
    // HTTP and HTTPS (the edge's ports) and SSH from the user's address only: nothing else.
    expect(rules).toEqual(["tcp 22-22 198.51.100.7/32", "tcp 443-443 0.0.0.0/0", "tcp 80-80 0.0.0.0/0"]);
    expect(group.IpPermissions!.flatMap((p) => p.Ipv6Ranges ?? [])).toEqual([]);

    expect(held.keys.map((k) => k.KeyName)).toEqual(["fdock-web1"]);
    const pub = readFileSync(join(ctx.dir, "id_ed25519"), "utf8");
    expect(pub).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);

    expect(held.user?.UserName).toBe("fdock-web1");
    expect(held.user?.Tags).toContainEqual({ Key: "fdock:machine", Value: "web1" });
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "fdock-web1" }))).AttachedPolicies).toEqual([]);
    const names = (await iam.send(new ListUserPoliciesCommand({ UserName: "fdock-web1" }))).PolicyNames!;
    expect(names).toEqual(["fdock-machine-web1"]);
    const doc = (await iam.send(new GetUserPolicyCommand({ UserName: "fdock-web1", PolicyName: names[0]! }))).PolicyDocument!;
    const policy = JSON.parse(decodeURIComponent(doc)) as PolicyDocument;
    expect(JSON.stringify(policy)).not.toMatch(/AmazonEC2FullAccess|ec2:\*|"\*"\s*,?\s*"Action"/);
    for (const s of policy.Statement) {
      const readOnly = s.Action.every((a) => /^ec2:(Describe|Get)/.test(a));
      if (!readOnly) {
        expect(s.Resource, s.Sid).not.toBe("*");
        expect(s.Condition?.StringEquals?.["aws:ResourceTag/fdock:machine"], s.Sid).toBe("web1");
      }
      expect(s.Action.some((a) => a.includes("*"))).toBe(false);
    }
    expect(policy.Statement.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"]));

    for (const f of ["id_ed25519", "aws-credentials.json"]) expect(statSync(join(ctx.dir, f)).mode & 0o777, f).toBe(0o600);
    const creds = JSON.parse(readFileSync(join(ctx.dir, "aws-credentials.json"), "utf8")) as { secretAccessKey: string };
    const said = everythingSaid([ctx.events, ctx.snapshots, driver.toJSON(), inspect(driver, { depth: 8 })]);
    expect(said).not.toContain(creds.secretAccessKey);
    expect(said).not.toContain("OPENSSH PRIVATE KEY");
    expect(said).not.toContain(process.env.AWS_SECRET_ACCESS_KEY);

    // A stored machine works day to day with its own key, through load().
    const loaded = await factory.load(driver.toJSON(), ctx.dir, process.env);
    expect(await loaded.state()).toBe("Running");
    expect(await loaded.ip()).toBe(data.ip);
    expect(loaded.ssh()).toEqual({ host: data.ip, port: 22, user: "ubuntu", keyPath: join(ctx.dir, "id_ed25519") });
    await loaded.stop();
    expect(await loaded.state()).toBe("Stopped");
    await loaded.start();
    expect(await loaded.state()).toBe("Running");
    expect(await loaded.ip()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await loaded.restart();
    await loaded.kill();
    expect(await loaded.state()).toBe("Stopped");
    expect(await loaded.pinnedHostKey!()).toBeNull(); // moto's console output is canned: no host key block

    const dry = await loaded.remove({ force: false, dryRun: true, reporter: ctx.reporter });
    expect(dry).toEqual(expect.arrayContaining([`EC2 instance ${data.resources.instanceId}`, `security group ${data.resources.securityGroupId}`, "key pair fdock-web1"]));
    expect((await holdings(moto.endpoint, "web1")).live).toHaveLength(1);

    const removed = await loaded.remove({ force: false, reporter: ctx.reporter });
    expect(removed).toHaveLength(4);
    const after = await holdings(moto.endpoint, "web1");
    expect(after.live).toEqual([]);
    expect(after.groups).toEqual([]);
    expect(after.keys).toEqual([]);
    expect(after.user).toBeUndefined();
  });

  it("rm finds leftovers by tag when the local record is incomplete", async () => {
    const { driver, ctx } = await newDriver("web2");
    await driver.create(ctx);
    const data = driver.toJSON();
    // Local state lost everything but the name and region.
    const bare = await factory.load({ ...data, resources: { made: [] }, ip: undefined }, ctx.dir, process.env);
    const removed = await bare.remove({ force: false, reporter: ctx.reporter });
    expect(removed.join("\n")).toMatch(/EC2 instance[\s\S]*security group[\s\S]*key pair fdock-web2[\s\S]*IAM user fdock-web2/);
    const after = await holdings(moto.endpoint, "web2");
    expect([after.live, after.groups, after.keys]).toEqual([[], [], []]);
    expect(after.user).toBeUndefined();
  });

  it("a name taken by leftovers is refused before anything is made", async () => {
    const { driver, ctx } = await newDriver("web3");
    await driver.create(ctx);
    const second = await newDriver("web3");
    await expect(second.driver.preCreateCheck(second.ctx)).rejects.toThrow(/already holds resources .*web3/);
    await driver.remove({ force: false, reporter: ctx.reporter });
  });

  it("a create whose SSH never answers fails and leaves nothing in AWS", async () => {
    // moto hands out public-looking addresses nobody answers on: the probe is pointed at a closed loopback port instead.
    const asked: string[] = [];
    const { tcpAnswers } = await import("../../src/core/tcp-port.js");
    const closedPort = await import("node:net").then(
      (net) =>
        new Promise<number>((resolve) => {
          const s = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (s.address() as { port: number }).port;
            s.close(() => resolve(port));
          });
        }),
    );
    const probing = createAmazonec2Factory((d) => ({
      ...d,
      probe: (host, port, timeoutMs) => {
        asked.push(`${host}:${port}`);
        return tcpAnswers("127.0.0.1", closedPort, Math.min(timeoutMs, 500));
      },
    }));
    let driver!: Driver;
    const ctx = createContext("slow", () => driver);
    contexts.push(ctx);
    driver = await probing.fromFlags(flags(), process.env, { noProvision: false, sshTimeoutSeconds: 2 });
    const error = await driver.create(ctx).then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error!.message).toMatch(/SSH on .*:22 did not answer within 2 s/);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([`${driver.toJSON().ip as string}:22`])); // only the instance's own address
    expect(ctx.events.some((e) => e.kind === "step-done" && e.id === "aws-rollback")).toBe(true);
    const after = await holdings(moto.endpoint, "slow");
    expect([after.live, after.groups, after.keys]).toEqual([[], [], []]);
    expect(after.user).toBeUndefined();
    expect((driver.toJSON().resources as { made: string[] }).made).toEqual([]);
  });

  it("--dry-run (the driver's plan) names every resource and rule and makes nothing", async () => {
    const { driver, ctx } = await newDriver("plan", { "amazonec2-open-port": ["8443"] });
    await moto.startRecording();
    await driver.preCreateCheck(ctx);
    const text = (await driver.plan(ctx)).join("\n");
    const actions = (await moto.recording()).map((r) => r.params.get("Action") ?? r.url);
    expect(actions.filter((a) => /^(Create|Run|Import|Put|Authorize|Attach|Tag)/.test(a))).toEqual([]);
    expect(text).toContain("IAM user fdock-plan");
    expect(text).toContain("tcp 80 from 0.0.0.0/0");
    expect(text).toContain("tcp 443 from 0.0.0.0/0");
    expect(text).toContain("tcp 8443 from 0.0.0.0/0");
    expect(text).toContain(`tcp 22 from ${SSH_CIDR}`);
    expect(text).toMatch(/encrypted; IMDSv2 required/);
    expect(text).toContain("Nothing was created (--dry-run).");
    const after = await holdings(moto.endpoint, "plan");
    expect([after.instances, after.groups, after.keys, after.user]).toEqual([[], [], [], undefined]);
  });

  it("bad input is a clear error: instance type, image, default AMI lookup", async () => {
    const badType = await newDriver("bad1", { "amazonec2-instance-type": "t9.nope" });
    await expect(badType.driver.preCreateCheck(badType.ctx)).rejects.toThrow(/instance type t9\.nope does not exist/);
    const badAmi = await newDriver("bad2", { "amazonec2-ami": "ami-0123456789abcdef0" });
    await expect(badAmi.driver.preCreateCheck(badAmi.ctx)).rejects.toThrow(/image ami-0123456789abcdef0 does not exist/);
    const noAmi = await newDriver("bad3", { "amazonec2-ami": undefined });
    await expect(noAmi.driver.preCreateCheck(noAmi.ctx)).rejects.toThrow(/No Ubuntu LTS image .* was found in us-east-1/);
    await expect(factory.fromFlags(flags({ "amazonec2-open-port": ["http"] }), process.env, NO_PROVISION)).rejects.toThrow(/"http" is not a port/);
  });
});
