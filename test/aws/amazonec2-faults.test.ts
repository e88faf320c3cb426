import { readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeVpcsCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateAccessKeyCommand, CreateUserCommand, DeleteUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, it } from "vitest";
import type { CoreOptions, Driver, FlagValues } from "../../src/core/machine/driver.js";
import { UserError } from "../../src/core/errors.js";
import { fingerprint } from "../../src/core/machine/ssh/host-key.js";

const publicKeyFingerprint = (base64: string) => fingerprint(Buffer.from(base64, "base64"));
import { AMI, CONSOLE_OUTPUT, NO_PROVISION, SECRET, awsError, baseFlags, fakeCloud, type FakeCloud } from "./fake-aws.js";
import { createContext, everythingSaid, type TestContext } from "./helpers.js";

/** Faults moto cannot make, on real SDK clients with aws-sdk-client-mock. No test waits: sleeps are recorded. */
describe("amazonec2 driver under AWS faults", () => {
  const contexts: TestContext[] = [];
  afterAll(() => contexts.forEach((c) => c.cleanup()));

  async function setup(flags: FlagValues = {}, cloud: FakeCloud = fakeCloud(), core: CoreOptions = NO_PROVISION) {
    let driver!: Driver;
    const ctx = createContext("web", () => driver);
    contexts.push(ctx);
    driver = await cloud.factory.fromFlags(baseFlags(flags), {}, core);
    return { cloud, driver, ctx };
  }

  const deletes = (cloud: FakeCloud) => cloud.calls().filter((c) => /:(Delete|Terminate|Detach)/.test(c));

  it("creates with the fake cloud and records every resource, ClientToken first", async () => {
    const { cloud, driver, ctx } = await setup();
    await driver.preCreateCheck(ctx);
    await driver.create(ctx);
    const data = driver.toJSON() as { resources: Record<string, unknown>; ip: string };
    expect(data.resources).toMatchObject({ iamUser: "fdock-web", accessKeyId: "AKIAFDOCKMACHINEKEY1", keyPairName: "fdock-web", securityGroupId: "sg-1", instanceId: "i-1" });
    expect(data.ip).toBe("203.0.113.10");
    const run = cloud.inputs("ec2:RunInstances")[0]!;
    expect(run).toMatchObject({
      ImageId: AMI,
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
      BlockDeviceMappings: [{ Ebs: { Encrypted: true, VolumeSize: 16 } }],
    });
    const rules = (cloud.inputs("ec2:AuthorizeSecurityGroupIngress")[0] as { IpPermissions: { FromPort: number; IpRanges: { CidrIp: string }[] }[] }).IpPermissions;
    expect(rules.map((r) => `${r.FromPort} ${r.IpRanges.map((x) => x.CidrIp).join()}`)).toEqual(["80 0.0.0.0/0", "443 0.0.0.0/0", "22 203.0.113.7/32"]);
    expect(deletes(cloud)).toEqual([]);
  });

  it("retries throttling with backoff, in create and in everyday calls", async () => {
    const cloud = fakeCloud();
    cloud.sts.on(GetCallerIdentityCommand).rejectsOnce(awsError("Throttling")).resolves({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/alice" });
    cloud.ec2.on(CreateSecurityGroupCommand).rejectsOnce(awsError("RequestLimitExceeded")).rejectsOnce(awsError("RequestLimitExceeded")).resolves({ GroupId: "sg-1" });
    const { driver, ctx } = await setup({}, cloud);
    await driver.create(ctx);
    expect(cloud.calls().filter((c) => c === "ec2:CreateSecurityGroup")).toHaveLength(3);
    expect(cloud.sleeps.length).toBeGreaterThanOrEqual(3);
    expect(cloud.sleeps[2]!).toBeGreaterThan(0);
  });

  it("waits out InvalidInstanceID.NotFound right after RunInstances", async () => {
    const cloud = fakeCloud();
    cloud.instance.visibleAfter = 3;
    const { driver, ctx } = await setup({}, cloud);
    await driver.create(ctx);
    expect(await driver.ip()).toBe("203.0.113.10");
    expect(cloud.instance.describes).toBeGreaterThan(3);
    expect(deletes(cloud)).toEqual([]);
  });

  it("waits out a new IAM user that is not yet visible", async () => {
    const cloud = fakeCloud();
    cloud.iam.on(PutUserPolicyCommand).rejectsOnce(awsError("NoSuchEntity")).rejectsOnce(awsError("NoSuchEntity")).resolves({});
    cloud.iam.on(CreateAccessKeyCommand).rejectsOnce(awsError("NoSuchEntity")).resolves({ AccessKey: { UserName: "fdock-web", AccessKeyId: "AKIAFDOCKMACHINEKEY1", SecretAccessKey: SECRET, Status: "Active" } });
    const { driver, ctx } = await setup({}, cloud);
    await driver.create(ctx);
    expect(cloud.calls().filter((c) => c === "iam:PutUserPolicy")).toHaveLength(3);
    expect(cloud.calls().filter((c) => c === "iam:CreateAccessKey")).toHaveLength(2);
    expect(deletes(cloud)).toEqual([]);
  });

  it("gives up on an IAM user that never appears, within a bound, and removes it", async () => {
    const cloud = fakeCloud();
    cloud.iam.on(PutUserPolicyCommand).rejects(awsError("NoSuchEntity"));
    const { driver, ctx } = await setup({}, cloud);
    await expect(driver.create(ctx)).rejects.toThrow(/NoSuchEntity/);
    expect(cloud.calls().filter((c) => c === "iam:PutUserPolicy").length).toBeLessThanOrEqual(12);
    expect(deletes(cloud)).toEqual(["iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"]);
  });

  it("retries a RunInstances that timed out with the same ClientToken, recorded before the first call", async () => {
    const cloud = fakeCloud();
    cloud.ec2.on(RunInstancesCommand).rejectsOnce(awsError("TimeoutError", "socket hang up")).resolves({ Instances: [{ InstanceId: "i-1" }] });
    const { driver, ctx } = await setup({}, cloud);
    await driver.create(ctx);
    const tokens = cloud.inputs("ec2:RunInstances").map((i) => i.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBeTruthy();
    expect(tokens[1]).toBe(tokens[0]);
    const saved = ctx.snapshots.map((s) => (s.resources as { clientToken?: string; instanceId?: string })).find((r) => r.clientToken && !r.instanceId);
    expect(saved?.clientToken).toBe(tokens[0]);
  });

  it("retries DependencyViolation on the security group until the instance is gone", async () => {
    const { cloud, driver, ctx } = await setup();
    await driver.create(ctx);
    cloud.ec2.on(DeleteSecurityGroupCommand).rejectsOnce(awsError("DependencyViolation")).rejectsOnce(awsError("DependencyViolation")).resolves({});
    const removed = await driver.remove({ force: false, reporter: ctx.reporter });
    expect(removed).toEqual(["EC2 instance i-1", "security group sg-1", "key pair fdock-web", "IAM user fdock-web"]);
    expect(cloud.calls().filter((c) => c === "ec2:DeleteSecurityGroup")).toHaveLength(3);
    expect(cloud.calls().indexOf("ec2:TerminateInstances")).toBeLessThan(cloud.calls().indexOf("ec2:DeleteSecurityGroup"));
  });

  it("handles DeleteConflict on the IAM user: empties it again and retries", async () => {
    const { cloud, driver, ctx } = await setup();
    await driver.create(ctx);
    cloud.iam.on(DeleteUserCommand).rejectsOnce(awsError("DeleteConflict")).resolves({});
    await driver.remove({ force: false, reporter: ctx.reporter });
    const iamCalls = cloud.calls().filter((c) => c.startsWith("iam:") && !/Create|Put|GetUser/.test(c));
    expect(iamCalls).toEqual([
      "iam:ListAccessKeys", "iam:DeleteAccessKey", "iam:ListUserPolicies", "iam:DeleteUserPolicy", "iam:ListAttachedUserPolicies", "iam:DeleteUser",
      "iam:ListAccessKeys", "iam:DeleteAccessKey", "iam:ListUserPolicies", "iam:DeleteUserPolicy", "iam:ListAttachedUserPolicies", "iam:DeleteUser",
    ]);
  });

  // A failure after each step removes exactly what was made, newest first, through the teardown rm uses
  // (the IAM user goes with its access keys and policies, each deleted once).
  const failures: { at: string; fail: (c: FakeCloud) => void; expect: string[] }[] = [
    { at: "CreateUser", fail: (c) => c.iam.on(CreateUserCommand).rejects(awsError("LimitExceeded")), expect: [] },
    {
      at: "PutUserPolicy",
      fail: (c) => c.iam.on(PutUserPolicyCommand).rejects(awsError("MalformedPolicyDocument")),
      expect: ["iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
    {
      at: "CreateAccessKey",
      fail: (c) => c.iam.on(CreateAccessKeyCommand).rejects(awsError("LimitExceeded")),
      expect: ["iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
    {
      at: "ImportKeyPair",
      fail: (c) => c.ec2.on(ImportKeyPairCommand).rejects(awsError("InvalidKey.Format")),
      expect: ["iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
    {
      at: "CreateSecurityGroup",
      fail: (c) => c.ec2.on(CreateSecurityGroupCommand).rejects(awsError("InvalidVpcID.NotFound")),
      expect: ["ec2:DeleteKeyPair", "iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
    {
      at: "AuthorizeSecurityGroupIngress",
      fail: (c) => c.ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError("InvalidPermission.Malformed")),
      expect: ["ec2:DeleteSecurityGroup", "ec2:DeleteKeyPair", "iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
    {
      at: "RunInstances",
      fail: (c) => c.ec2.on(RunInstancesCommand).rejects(awsError("InsufficientInstanceCapacity")),
      expect: ["ec2:DeleteSecurityGroup", "ec2:DeleteKeyPair", "iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
    {
      at: "the wait for running",
      fail: (c) => void (c.instance.state = "shutting-down"),
      expect: ["ec2:TerminateInstances", "ec2:DeleteSecurityGroup", "ec2:DeleteKeyPair", "iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"],
    },
  ];
  for (const f of failures) {
    it(`a failure at ${f.at} removes exactly what was made`, async () => {
      const cloud = fakeCloud();
      f.fail(cloud);
      const { driver, ctx } = await setup({}, cloud);
      await expect(driver.create(ctx)).rejects.toThrow();
      expect(deletes(cloud)).toEqual(f.expect);
      expect((driver.toJSON().resources as { made: string[] }).made).toEqual([]);
      expect(existsSync(join(ctx.dir, "id_ed25519"))).toBe(false);
      expect(existsSync(join(ctx.dir, "aws-credentials.json"))).toBe(false);
    });
  }

  it("a RunInstances whose answer was lost is found by tag and ClientToken and terminated", async () => {
    const cloud = fakeCloud();
    let launched = false;
    cloud.ec2.on(RunInstancesCommand).callsFake(() => {
      launched = true; // AWS made the instance, but the answer never arrived
      throw awsError("InternalError");
    });
    const { DescribeInstancesCommand } = await import("@aws-sdk/client-ec2");
    let tagged = 0;
    cloud.ec2.on(DescribeInstancesCommand, { Filters: [{ Name: "tag:fdock:machine", Values: ["web"] }, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] }] }).callsFake(() => {
      if (!launched) return { Reservations: [] };
      tagged++;
      return { Reservations: [{ Instances: [{ InstanceId: "i-1" }] }] };
    });
    const { driver, ctx } = await setup({}, cloud);
    await expect(driver.create(ctx)).rejects.toThrow(/InternalError/);
    expect(tagged).toBeGreaterThan(0);
    expect(cloud.inputs("ec2:TerminateInstances")).toEqual([{ InstanceIds: ["i-1"] }]);
  });

  it("Ctrl-C finishes the call in flight, then removes what was made", async () => {
    const cloud = fakeCloud();
    let driverCtx: TestContext | undefined;
    cloud.ec2.on(ImportKeyPairCommand).callsFake(async () => {
      driverCtx!.abort.abort(); // the user presses Ctrl-C while the key pair is being imported
      return { KeyName: "fdock-web", KeyPairId: "key-1" };
    });
    const { driver, ctx } = await setup({}, cloud);
    driverCtx = ctx;
    const error = await driver.create(ctx).then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error!.message).toMatch(/^Interrupted/);
    expect(cloud.calls()).not.toContain("ec2:CreateSecurityGroup");
    expect(deletes(cloud)).toEqual(["ec2:DeleteKeyPair", "iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DeleteUser"]);
  });

  it("pins the host key from cloud-init's block in the console output, checked against its fingerprints", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x!;
    const blob = (type: string, body: Buffer) => {
      const s = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
      return Buffer.concat([s(Buffer.from(type)), s(body)]).toString("base64");
    };
    const edKey = blob("ssh-ed25519", Buffer.from(ed, "base64url"));
    const ecdsaKey = blob("ecdsa-sha2-nistp256", Buffer.alloc(40, 7));
    const text = CONSOLE_OUTPUT.replace("%ED_KEY%", edKey)
      .replace("%ECDSA_KEY%", ecdsaKey)
      .replace("%ED_FP%", publicKeyFingerprint(edKey).slice(7))
      .replace("%ECDSA_FP%", publicKeyFingerprint(ecdsaKey).slice(7));
    const cloud = fakeCloud({ probe: async () => true });
    cloud.console = text;
    const { driver, ctx } = await setup({}, cloud, { noProvision: false, sshTimeoutSeconds: 30 });
    await driver.create(ctx);
    expect(await driver.pinnedHostKey!()).toBe(`ssh-ed25519 ${edKey}`);
    expect(driver.toJSON().hostKey).toBe(`ssh-ed25519 ${edKey}`);

    // A key whose fingerprint cloud-init did not print is not trusted.
    const { hostKeyFromConsole } = await import("../../src/core/machine/drivers/amazonec2/console-host-key.js");
    expect(hostKeyFromConsole(text.replace(publicKeyFingerprint(edKey).slice(7), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))).toBe(`ecdsa-sha2-nistp256 ${ecdsaKey}`);
    expect(hostKeyFromConsole("[    0.000000] Linux version 6.8.0\nno keys yet\n")).toBeNull();
  });

  it("SSH that never answers fails within --ssh-timeout (counted in injected sleeps) and removes everything", async () => {
    const asked: string[] = [];
    const cloud = fakeCloud({ probe: async (host) => (asked.push(host), false) });
    const { driver, ctx } = await setup({}, cloud, { noProvision: false, sshTimeoutSeconds: 9 });
    await expect(driver.create(ctx)).rejects.toThrow(/did not answer within 9 s/);
    expect(new Set(asked)).toEqual(new Set(["203.0.113.10"]));
    expect(deletes(cloud)[0]).toBe("ec2:TerminateInstances");
    expect(deletes(cloud)).toContain("iam:DeleteUser");
  });

  it("start re-reads the public IP; state maps EC2 states; kill forces the stop", async () => {
    const { cloud, driver, ctx } = await setup();
    await driver.create(ctx);
    const loaded = await cloud.factory.load(driver.toJSON(), ctx.dir, {});
    await loaded.stop();
    expect(await loaded.state()).toBe("Stopped");
    await loaded.start();
    expect(await loaded.ip()).toBe("198.51.100.99");
    expect(loaded.ssh().host).toBe("198.51.100.99");
    expect((loaded.toJSON() as { ip: string }).ip).toBe("198.51.100.99");
    await loaded.kill();
    expect(cloud.inputs("ec2:StopInstances").at(-1)).toEqual({ InstanceIds: ["i-1"], Force: true });
    cloud.instance.state = "pending";
    expect(await loaded.state()).toBe("Starting");
  });

  it("missing or refused credentials and no default VPC are clear errors naming the chain, never a key", async () => {
    const cloud = fakeCloud();
    cloud.sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    const a = await setup({}, cloud);
    const e1 = await a.driver.preCreateCheck(a.ctx).then(() => null, (e: UserError) => e);
    expect(e1?.message).toMatch(/No AWS credentials found: tried the AWS SDK chain: environment .*shared config and credentials files \(profile "default"/);
    expect(e1?.hint).toMatch(/aws configure|aws sso login/);

    const refused = fakeCloud();
    refused.sts.on(GetCallerIdentityCommand).rejects(awsError("InvalidClientTokenId", "The security token included in the request is invalid."));
    const b = await setup({ "amazonec2-profile": "work" }, refused);
    await expect(b.driver.preCreateCheck(b.ctx)).rejects.toThrow(/AWS refused the credentials \(InvalidClientTokenId\) found through .*profile "work"/);

    const noVpc = fakeCloud();
    noVpc.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const c = await setup({}, noVpc);
    await expect(c.driver.preCreateCheck(c.ctx)).rejects.toThrow(/has no default VPC/);
    expect(noVpc.calls().filter((x) => /Create|Run|Import/.test(x))).toEqual([]);
  });

  it("never reports, returns, serializes or inspects the secret access key or the private key; key files are 0600", async () => {
    const cloud = fakeCloud();
    // A later step fails with an error that echoes the secret: the message that escapes is redacted.
    cloud.ec2.on(ImportKeyPairCommand).rejects(awsError("InvalidParameterValue", `bad request carrying ${SECRET}`));
    const first = await setup({}, cloud);
    const e = await first.driver.create(first.ctx).then(() => null, (x: Error) => x);
    expect(e?.message).not.toContain(SECRET);
    expect(e?.stack).not.toContain(SECRET);

    const { driver, ctx } = await setup();
    await driver.create(ctx);
    const privateKey = readFileSync(join(ctx.dir, "id_ed25519"), "utf8");
    const keyBody = privateKey.split("\n").filter((l) => !l.startsWith("-----")).join("");
    expect(statSync(join(ctx.dir, "id_ed25519")).mode & 0o777).toBe(0o600);
    expect(statSync(join(ctx.dir, "aws-credentials.json")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(ctx.dir, "aws-credentials.json"), "utf8")).secretAccessKey).toBe(SECRET);
    const removed = await driver.remove({ force: false, reporter: ctx.reporter });
    const said = everythingSaid([first.ctx.events, first.ctx.snapshots, e, ctx.events, ctx.snapshots, driver.toJSON(), removed, inspect(driver, { depth: 10 }), inspect(first.driver, { depth: 10 })]);
    for (const secret of [SECRET, keyBody, keyBody.slice(20, 60), "OPENSSH PRIVATE KEY"]) expect(said).not.toContain(secret);
  });
});
