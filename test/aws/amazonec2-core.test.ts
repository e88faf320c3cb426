import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../src/core/events.js";
import { createMachine } from "../../src/core/machine/create.js";
import { loadMachine } from "../../src/core/machine/machine.js";
import { removeMachine } from "../../src/core/machine/remove.js";
import { everythingSaid, holdings } from "./helpers.js";
import { startMoto, type Moto } from "./moto.js";

/** `fdock machine create --driver amazonec2 --no-provision` and `rm` through the machine core, against moto. */
describe("amazonec2 through the machine core, against moto", () => {
  let moto: Moto;
  const saved = { ...process.env };
  const home = mkdtempSync(join(tmpdir(), "fdock-aws-core-"));
  const env = { ...process.env, HOME: home, FDOCK_HOME: join(home, ".fdock"), DOCKER_CONFIG: join(home, ".docker") };

  beforeAll(async () => {
    moto = await startMoto();
    // The SDK's credential chain reads the process environment.
    process.env.AWS_ACCESS_KEY_ID = "AKIDCALLERCALLER";
    process.env.AWS_SECRET_ACCESS_KEY = "caller-secret-from-the-environment";
    process.env.AWS_REGION = "us-east-1";
  });

  afterAll(async () => {
    await removeMachine("ec2web", { force: true, env }, { emit() {} }).catch(() => undefined);
    process.env = saved;
    await moto?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("creates and records the machine, then rm removes it from AWS and locally", async () => {
    const events: ProgressEvent[] = [];
    const reporter = { emit: (e: ProgressEvent) => events.push(e) };
    const flags = {
      "amazonec2-endpoint": moto.endpoint,
      "amazonec2-ami": "ami-785db401",
      "amazonec2-ssh-cidr": "198.51.100.7/32",
    };
    const result = await createMachine({ name: "ec2web", driver: "amazonec2", flags, noProvision: true, env }, reporter);
    expect(result).toMatchObject({ name: "ec2web", driver: "amazonec2", state: "created", context: "fdock-ec2web" });

    const dir = join(env.FDOCK_HOME, "machines", "ec2web");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const held = await holdings(moto.endpoint, "ec2web");
    expect(held.live).toHaveLength(1);
    expect(config.ssh).toEqual({ host: held.live[0]!.PublicIpAddress, port: 22, user: "ubuntu", keyPath: join(dir, "id_ed25519") });
    expect(config.driverData.resources.instanceId).toBe(held.live[0]!.InstanceId);
    for (const f of ["config.json", "id_ed25519", "aws-credentials.json"]) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    const secret = JSON.parse(readFileSync(join(dir, "aws-credentials.json"), "utf8")).secretAccessKey as string;
    expect(everythingSaid([events, readFileSync(join(dir, "config.json"), "utf8")])).not.toContain(secret);

    const m = await loadMachine("ec2web", env);
    expect(await m.driver.state()).toBe("Running");

    const removed = await removeMachine("ec2web", { force: false, env }, reporter);
    expect(removed.removed.join("\n")).toMatch(/EC2 instance[\s\S]*security group[\s\S]*key pair fdock-ec2web[\s\S]*IAM user fdock-ec2web/);
    const after = await holdings(moto.endpoint, "ec2web");
    expect([after.live, after.groups, after.keys, after.user]).toEqual([[], [], [], undefined]);
    expect(existsSync(dir)).toBe(false);
  });
});
