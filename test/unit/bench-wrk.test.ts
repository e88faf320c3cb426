import { describe, expect, it } from "vitest";
import { parseDurationMs, parseWrk, wrkArgs } from "../../bench/wrk.ts";
import { contextSent } from "../../bench/stack.ts";

const CLEAN = `Running 8s test @ http://127.0.0.1:32773/api/io?ms=50
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    58.99ms   13.25ms 216.10ms   88.90%
    Req/Sec   543.89     93.37   646.00     80.00%
  Latency Distribution
     50%   53.54ms
     75%   59.33ms
     90%   74.49ms
     99%  115.88ms
  8682 requests in 8.02s, 1.35MB read
Requests/sec:   1081.92
Transfer/sec:    172.22KB
`;

const FAILING = `Running 4s test @ http://127.0.0.1:32791/api/io?ms=50
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.69s   512.00ms   2.00s    85.00%
    Req/Sec     1.20      2.10    10.00     90.00%
  Latency Distribution
     50%  812.00us
     75%    1.90s
     90%    2.00s
     99%    2.00s
  14 requests in 4.10s, 2.15KB read
  Socket errors: connect 0, read 3, write 0, timeout 40
  Non-2xx or 3xx responses: 2
Requests/sec:      3.41
Transfer/sec:    537.00B
`;

describe("the bench's wrk parser", () => {
  it("reads throughput, percentiles and the request count", () => {
    const r = parseWrk(CLEAN);
    expect(r.rps).toBe(1081.92);
    expect(r.requests).toBe(8682);
    expect(r.durationS).toBeCloseTo(8.02);
    expect(r.p50Ms).toBeCloseTo(53.54);
    expect(r.p99Ms).toBeCloseTo(115.88);
    expect(r.errors).toBe(0);
  });

  it("counts non-2xx responses and every kind of socket error; reads us and s units", () => {
    const r = parseWrk(FAILING);
    expect(r.p50Ms).toBeCloseTo(0.812);
    expect(r.p99Ms).toBe(2000);
    expect(r.non2xx).toBe(2);
    expect(r.socket).toEqual({ connect: 0, read: 3, write: 0, timeout: 40 });
    expect(r.errors).toBe(45);
  });

  it("refuses output without a summary rather than reporting zeros", () => {
    expect(() => parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n")).toThrow(/no summary/);
  });

  it("parses wrk's duration units", () => {
    expect(parseDurationMs("1.02s")).toBe(1020);
    expect(parseDurationMs("2.00m")).toBe(120_000);
    expect(() => parseDurationMs("12 ms")).toThrow();
  });

  it("always asks for the latency distribution and a generous timeout", () => {
    const args = wrkArgs({ url: "http://127.0.0.1:1/", connections: 64, durationS: 10 });
    expect(args).toContain("--latency");
    expect(args.slice(args.indexOf("--timeout"), args.indexOf("--timeout") + 2)).toEqual(["--timeout", "10s"]);
    expect(args.at(-1)).toBe("http://127.0.0.1:1/");
  });

  it("sends the headers given, each as its own --header, before the URL", () => {
    const args = wrkArgs({ url: "http://127.0.0.1/healthz", connections: 8, durationS: 1, headers: ["Host: plain.example.test"] });
    expect(args.slice(-3)).toEqual(["--header", "Host: plain.example.test", "http://127.0.0.1/healthz"]);
    expect(wrkArgs({ url: "http://127.0.0.1/", connections: 8, durationS: 1 })).not.toContain("--header");
  });
});

describe("the bench's BuildKit context reading", () => {
  it("takes the last transferring-context count of the named service's build", () => {
    const progress = [
      "#4 [gunicorn internal] load build context",
      "#4 transferring context: 1.20MB 0.5s",
      "#4 transferring context: 33.60MB 1.1s done",
      "#4 DONE 1.2s",
      "#16 [nginx internal] load build context",
      "#16 transferring context: 1.90kB done",
    ].join("\n");
    expect(contextSent(progress, "gunicorn")).toBeCloseTo(33.6e6);
    expect(contextSent(progress, "nginx")).toBeCloseTo(1900);
    expect(contextSent(progress, "release")).toBeNull();
  });
});
