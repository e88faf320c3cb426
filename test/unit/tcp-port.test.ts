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
});
