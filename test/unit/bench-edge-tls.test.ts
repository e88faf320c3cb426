import { describe, expect, it } from "vitest";
import { containersCpu, edgeCpuText, edgeTlsSection, edgeTlsTarget, type EdgeTlsResult } from "../../bench/edge-tls.ts";
import type { WrkResult } from "../../bench/wrk.ts";

const wrk = (rps: number): WrkResult => ({
  rps, requests: rps * 10, durationS: 10, p50Ms: 40, p99Ms: 90, non2xx: 0, socket: { connect: 0, read: 0, write: 0, timeout: 0 }, errors: 0,
});
const result = (httpsEdge: number): EdgeTlsResult => ({
  http: { result: wrk(1000), cpu: { app: 600, nginx: 300, edge: 200, "docker-proxy": 150, engine: 100 } },
  https: { result: wrk(950), cpu: { app: 600, nginx: 300, edge: httpsEdge, "docker-proxy": 150, engine: 100 } },
  nginx: "nginx/1.22.1",
  deployMs: [15_000, 8_000, 8_000],
});

describe("the bench's HTTPS-at-the-edge row", () => {
  it("compares the CPU of the stack's containers (app, nginx and front, edge), not the port proxy's or the engine's", () => {
    expect(containersCpu(result(260).https.cpu)).toBe(1160);
    expect(edgeCpuText(result(260).https.cpu)).toBe("1410 = 600 + 300 + 260 + 150 + 100");
  });

  it("passes at 1.25 and below, fails above, with both figures shown", () => {
    expect(edgeTlsTarget(result(475))).toMatchObject({ want: "<= 1.25", got: "1.25 (1375 vs 1100 us)", pass: true });
    expect(edgeTlsTarget(result(480))).toMatchObject({ got: "1.25 (1380 vs 1100 us)", pass: false });
    expect(edgeTlsTarget(result(260)).why).toMatch(/edge: 260 us per request over HTTPS, 200 us over HTTP/);
  });

  it("writes a section with one row per protocol and the ratio in words", () => {
    const md = edgeTlsSection(result(260));
    expect(md).toMatch(/^## HTTPS at the edge/);
    expect(md).toMatch(/\| HTTPS .*\| 950 .*\| 1410 = 600 \+ 300 \+ 260 \+ 150 \+ 100 +\|/);
    expect(md).toMatch(/\| plain HTTP .*\| 1,000 .*\| 1350 = 600 \+ 300 \+ 200 \+ 150 \+ 100 +\|/);
    expect(md).toContain("1.05x the CPU of plain HTTP");
    expect(md).toContain("nginx/1.22.1");
  });
});
