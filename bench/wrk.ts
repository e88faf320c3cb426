/**
 * wrk, the load generator: its argv and a parser for its `--latency` report. The parser is pure
 * (tested in test/unit/bench-wrk.test.ts); running wrk is in run.ts.
 */

export interface WrkResult {
  /** Completed requests per second, as wrk prints it. */
  rps: number;
  requests: number;
  durationS: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses that were not 2xx or 3xx (wrk counts them together). */
  non2xx: number;
  socket: { connect: number; read: number; write: number; timeout: number };
  /** non2xx plus every socket error. */
  errors: number;
}

export interface WrkOptions {
  url: string;
  connections: number;
  durationS: number;
  threads?: number;
  /** A request slower than this counts as a timeout error (wrk's default is 2 s). */
  timeoutS?: number;
  /** Request headers as "Name: value" (a Host here replaces the URL's). */
  headers?: string[];
}

export function wrkArgs(o: WrkOptions): string[] {
  return [
    "--threads", String(o.threads ?? 2),
    "--connections", String(o.connections),
    "--duration", `${o.durationS}s`,
    "--timeout", `${o.timeoutS ?? 10}s`,
    "--latency",
    ...(o.headers ?? []).flatMap((h) => ["--header", h]),
    o.url,
  ];
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "53.54ms" -> 53.54; "812.00us" -> 0.812; "1.02s" -> 1020. */
export function parseDurationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk duration: ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** "1.35MB" style sizes are not needed; counts may print as "8682" only. */
export function parseWrk(out: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rps || !total) throw new Error(`wrk printed no summary (was --latency given? did it run?):\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = {
    connect: Number(sock?.[1] ?? 0),
    read: Number(sock?.[2] ?? 0),
    write: Number(sock?.[3] ?? 0),
    timeout: Number(sock?.[4] ?? 0),
  };
  const non2xx = Number(non?.[1] ?? 0);
  return {
    rps: Number(rps[1]),
    requests: Number(total[1]),
    durationS: parseDurationMs(total[2]! + total[3]!) / 1000,
    // No latency distribution: wrk completed no request at all.
    p50Ms: p50 ? parseDurationMs(p50[1]!) : Number.NaN,
    p99Ms: p99 ? parseDurationMs(p99[1]!) : Number.NaN,
    non2xx,
    socket,
    errors: non2xx + socket.connect + socket.read + socket.write + socket.timeout,
  };
}
