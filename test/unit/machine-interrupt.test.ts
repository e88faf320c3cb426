import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { isolatedEnvs } from "../helpers/machine-env.js";
import { main } from "../../src/cli/main.js";
import { silentReporter, type ProgressEvent } from "../../src/core/events.js";
import { createMachine } from "../../src/core/machine/create.js";
import { MachineStore } from "../../src/core/machine/store.js";

const env = isolatedEnvs("fdock-int-");

/** A reporter that aborts the create when the step with this id starts (the user's Ctrl-C). */
function ctrlCAt(stepId: string, controller: AbortController) {
  const events: ProgressEvent[] = [];
  return { events, reporter: { emit: (e: ProgressEvent) => { events.push(e); if (e.kind === "step-start" && e.id === stepId) controller.abort(); } } };
}

describe("an interrupted machine create leaves nothing (fake driver)", () => {
  for (const stepId of ["precheck", "create", "local"]) {
    it(`Ctrl-C during step "${stepId}": the step finishes, everything made is removed, exit code 130`, async () => {
      const e = env();
      const controller = new AbortController();
      const { events, reporter } = ctrlCAt(stepId, controller);
      const error = await createMachine({ name: "web", driver: "fake", flags: {}, noProvision: true, env: e, signal: controller.signal }, reporter).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ exitCode: 130, message: expect.stringMatching(/^(Stopped: nothing was made|Interrupted: everything made)/) });
      // The step in flight was finished, not cut off.
      expect(events.some((ev) => ev.kind === "step-done" && ev.id === stepId)).toBe(true);
      expect(new MachineStore(e).listAll()).toEqual([]);
      expect(existsSync(join(e.FDOCK_HOME!, "machines", "web"))).toBe(false);
      expect(readdirSync(join(e.FDOCK_HOME!, "locks"), { withFileTypes: true }).length).toBe(0);
      // No Docker context left either.
      const ctx = await import("../../src/core/machine/docker-context.js");
      expect(await ctx.removeContext("web", e)).toBe(false);
    });
  }
});

describe("a corrupt machine config", () => {
  function capture() {
    const chunks: string[] = [];
    const spies = [process.stdout, process.stderr].map((s) => vi.spyOn(s, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true)));
    return { out: () => chunks.join(""), restore: () => spies.forEach((s) => s.mockRestore()) };
  }
  async function cli(e: NodeJS.ProcessEnv, ...argv: string[]) {
    const saved = process.env;
    process.env = e;
    const io = capture();
    process.exitCode = undefined;
    try {
      return { code: await main(argv), out: io.out() };
    } finally {
      io.restore();
      process.env = saved;
      process.exitCode = undefined;
    }
  }

  it("breaks neither `machine ls` nor other machines, and `machine rm -f` removes it", async () => {
    const e = env();
    await createMachine({ name: "good", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    await createMachine({ name: "bad", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    writeFileSync(join(e.FDOCK_HOME!, "machines", "bad", "config.json"), '{"version": 1, "name": "bad", "driver": "fa');

    const ls = await cli(e, "machine", "ls", "--json");
    expect(ls.code, ls.out).toBe(0);
    const rows = JSON.parse(ls.out) as { name: string; state: string; error?: string }[];
    expect(rows.map((r) => [r.name, r.state])).toEqual([["bad", "Error"], ["good", "Running (created)"]]);
    expect(rows[0]!.error).toMatch(/cannot be read/);
    const table = await cli(e, "machine", "ls");
    expect(table.out).toMatch(/^bad\s+-\s+\?\s+Error/m);

    // Other machines keep working, including commands that rewrite the ssh config from every machine.
    expect((await cli(e, "machine", "status", "good")).out).toContain("Running");
    await createMachine({ name: "third", driver: "fake", flags: {}, noProvision: true, env: e }, silentReporter);
    expect((await cli(e, "machine", "rm", "-y", "third")).code).toBe(0);

    // Without -f the unreadable one is refused with the way out; with -f it goes.
    const refused = await cli(e, "machine", "rm", "-y", "bad");
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("fdock machine rm -f bad");
    const rm = await cli(e, "machine", "rm", "-y", "-f", "bad");
    expect(rm.code, rm.out).toBe(0);
    expect(new MachineStore(e).listAll().map((m) => m.name)).toEqual(["good"]);
  });
});
