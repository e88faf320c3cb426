import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { portIsFree, tcpAnswers } from "../../src/core/tcp-port.js";

describe("the TCP probe", () => {
  it("says whether a loopback port answers, and whether it is free to listen on", async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await tcpAnswers("127.0.0.1", port, 2_000)).toBe(true);
      expect(await portIsFree(port, "127.0.0.1")).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await tcpAnswers("127.0.0.1", port, 2_000)).toBe(false);
    expect(await portIsFree(port, "127.0.0.1")).toBe(true);
  });

  it("counts a port this user may not bind as free (dockerd binds it), unless something listens there", async () => {
    if (process.getuid?.() !== 0) {
      // As a user: 80 is refused to us (EACCES) but dockerd may bind it.
      expect(await portIsFree(80, "127.0.0.1")).toBe(!(await tcpAnswers("127.0.0.1", 80, 1_000)));
    } else {
      // As root: the same code run as nobody (a copy anyone can read), who cannot bind below 1024.
      const { spawnSync } = await import("node:child_process");
      const { chmodSync, copyFileSync, mkdtempSync, rmSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const dir = mkdtempSync(`${tmpdir()}/fdock-port-`);
      try {
        chmodSync(dir, 0o755);
        copyFileSync(new URL("../../src/core/tcp-port.ts", import.meta.url), `${dir}/tcp-port.ts`);
        const script = `import("${dir}/tcp-port.ts").then(async (m) => process.stdout.write(String(await m.portIsFree(81, "127.0.0.1"))))`;
        const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { uid: 65534, gid: 65534, encoding: "utf8", cwd: dir });
        expect(r.stdout, r.stderr).toBe(String(!(await tcpAnswers("127.0.0.1", 81, 1_000))));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
