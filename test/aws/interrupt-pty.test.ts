import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { ListAccessKeysCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runArgv } from "../../src/core/exec.js";
import { readers } from "./helpers.js";
import { startMoto, type Moto } from "./moto.js";
import { runOnPty } from "./pty.js";
import { slowProxy, type SlowProxy } from "./slow-proxy.js";

/**
 * Ctrl-C during `fdock machine create --driver amazonec2`, typed on a real pseudo-terminal (so
 * the listr2 renderer runs, as for a user): the first stops after the step in flight and removes
 * everything; the second quits at once with 130. moto sits behind a proxy that holds each call
 * 300 ms, so the create is still in its first AWS step when the key is typed. --no-provision:
 * nothing ever connects to moto's made-up instance addresses.
 */
const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

describe("Ctrl-C on a terminal during an EC2 create, against moto", () => {
  let moto: Moto;
  let proxy: SlowProxy;
  const home = mkdtempSync(join(tmpdir(), "fdock-aws-pty-"));
  const fdockHome = join(home, ".fdock");
  const { CI: _ci, AWS_PROFILE: _p, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    TERM: "xterm-256color",
    HOME: home,
    FDOCK_HOME: fdockHome,
    DOCKER_CONFIG: join(home, ".docker"),
    AWS_ACCESS_KEY_ID: "AKIDCALLERCALLER",
    AWS_SECRET_ACCESS_KEY: "caller-secret-from-the-environment",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-aws-credentials"),
  };
  const create = (name: string) => [
    process.execPath, BIN, "machine", "create", "--driver", "amazonec2", "--no-provision",
    "--amazonec2-endpoint", proxy.endpoint, "--amazonec2-ami", "ami-785db401", "--amazonec2-ssh-cidr", "198.51.100.7/32", name,
  ];

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await slowProxy(moto.endpoint, 300);
  });

  afterEach(async () => {
    await moto.reset();
  });

  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Everything in moto a create could have made, whatever its name or tag. */
  async function everything() {
    const { ec2, iam } = readers(moto.endpoint);
    const users = (await iam.send(new ListUsersCommand({}))).Users ?? [];
    const accessKeys = (await Promise.all(users.map((u) => iam.send(new ListAccessKeysCommand({ UserName: u.UserName! }))))).flatMap((r) => r.AccessKeyMetadata ?? []);
    const keyPairs = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
    const groups = ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).filter((g) => g.GroupName !== "default");
    const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag-key", Values: ["fdock:machine"] }] }))).Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name !== "terminated");
    return { users: users.map((u) => u.UserName), accessKeys: accessKeys.map((k) => k.AccessKeyId), keyPairs: keyPairs.map((k) => k.KeyName), groups: groups.map((g) => g.GroupName), instances: instances.map((i) => i.InstanceId) };
  }
  const nothing = { users: [], accessKeys: [], keyPairs: [], groups: [], instances: [] };

  it("first Ctrl-C: stops after the step in flight, removes what it made, exits 130 and leaves nothing in AWS or locally", async () => {
    const run = runOnPty(create("ptyweb"), env);
    await run.waitFor(/Creating IAM user fdock-ptyweb/);
    run.type("\x03");
    const code = await run.exit;
    const text = run.text();
    expect(text, text).toContain("Ctrl-C: stopping after the current step");
    expect(text).not.toMatch(/Unexpected error|This is a bug/);
    expect(text).toMatch(/Interrupted: everything made for machine "ptyweb" was removed/);
    expect(code, text).toBe(130);
    expect(await everything()).toEqual(nothing);
    // The IAM user's step had begun: it was made, then removed (not merely never made).
    expect(text).toMatch(/Removing what this create made/);
    expect(existsSync(join(fdockHome, "machines", "ptyweb"))).toBe(false);
    expect(existsSync(join(fdockHome, "locks")) ? readdirSync(join(fdockHome, "locks")) : []).toEqual([]);
    const ls = await runArgv({ file: process.execPath, args: [BIN, "machine", "ls", "--json"] }, { env });
    expect(JSON.parse(ls.stdout)).toEqual([]);
  });

  it("second Ctrl-C: quits at once with 130, before removing anything; `machine rm -f` then removes what was left", async () => {
    const run = runOnPty(create("ptyquit"), env);
    await run.waitFor(/Creating IAM user fdock-ptyquit/);
    run.type("\x03");
    await run.waitFor(/Ctrl-C: stopping after the current step/);
    run.type("\x03");
    const code = await run.exit;
    const text = run.text();
    expect(code, text).toBe(130);
    expect(text).toContain("Quitting now");
    expect(text).toContain("fdock machine rm -f ptyquit");
    expect(text).not.toMatch(/Removing what this create made|Unexpected error/);

    // The record was kept for exactly this: rm finds the half-made machine (recorded and by tag).
    const rm = await runArgv({ file: process.execPath, args: [BIN, "machine", "rm", "-y", "-f", "ptyquit"] }, { env, timeoutMs: 120_000 });
    expect(rm.exitCode, rm.stdout + rm.stderr).toBe(0);
    expect(await everything()).toEqual(nothing);
    expect(existsSync(join(fdockHome, "machines", "ptyquit"))).toBe(false);
  });
});
