import { describe, expect, it, vi } from "vitest";
import { buildProgram, main } from "../../src/cli/main.js";

function capture(): { out: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((s) =>
    vi.spyOn(s, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true)),
  );
  return { out: () => chunks.join(""), restore: () => spies.forEach((s) => s.mockRestore()) };
}

describe("the command line", () => {
  it("lists every command in --help", async () => {
    const io = capture();
    const code = await main(["--help"]).finally(io.restore);
    expect(code).toBe(0);
    for (const cmd of ["init", "build", "up", "down", "ps", "logs", "config"]) expect(io.out()).toContain(cmd);
    expect(io.out()).toContain("--project-dir");
  });

  it("rejects a port that is not a port, with usage", async () => {
    const io = capture();
    const code = await main(["up", "--port", "http"]).finally(io.restore);
    expect(code).not.toBe(0);
    expect(io.out()).toContain("must be a port number");
  });

  it("gives every command an example in its help", () => {
    for (const cmd of buildProgram().commands) {
      let help = "";
      cmd.configureOutput({ writeOut: (s) => (help += s) });
      cmd.outputHelp();
      expect(help, cmd.name()).toContain("Example");
    }
  });

  it("says to run fdock init where there is no fdock.yaml", async () => {
    const io = capture();
    const code = await main(["-C", "/tmp", "config", "--cpus", "2"]).finally(io.restore);
    expect(code).toBe(1);
    expect(io.out()).toContain("fdock init");
  });
});

describe("fdock certs renew", () => {
  it("acts on the machine named by --remote after `renew` (commander hands that option to `certs`)", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const home = mkdtempSync(join(tmpdir(), "fdock-home-"));
    vi.stubEnv("FDOCK_HOME", home);
    const io = capture();
    try {
      for (const argv of [["certs", "renew", "--remote", "nosuch"], ["certs", "--remote", "nosuch", "renew"], ["certs", "renew", "--force", "--remote", "nosuch"]]) {
        const code = await main(argv);
        expect(code, argv.join(" ")).toBe(1);
      }
    } finally {
      io.restore();
      vi.unstubAllEnvs();
      process.exitCode = undefined;
      rmSync(home, { recursive: true, force: true });
    }
    expect(io.out().match(/There is no machine named "nosuch"/g)).toHaveLength(3);
  });
});
