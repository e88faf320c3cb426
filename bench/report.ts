/** The bench's tables and targets, as Markdown (printed and written to bench/RESULTS.md). Pure. */
import type { WrkResult } from "./wrk.ts";

export interface LoadRow {
  name: string;
  detail: string;
  result: WrkResult;
  /** Microseconds of CPU per request by part of the path (app, nginx, docker-proxy, engine). */
  cpu?: Record<string, number>;
}

const PARTS = ["app", "nginx", "docker-proxy", "engine"];

/** "412 = 230 + 77 + 105 + 0": total, then app, nginx, docker-proxy, engine. */
export function cpuText(cpu?: Record<string, number>): string {
  if (!cpu) return "-";
  const parts = PARTS.map((p) => cpu[p] ?? 0);
  const total = parts.reduce((a, b) => a + b, 0);
  return `${Math.round(total)} = ${parts.map((v) => Math.round(v)).join(" + ")}`;
}

export const CPU_HEAD = "CPU us/req = app + nginx + proxy + engine";

export interface Target {
  name: string;
  want: string;
  got: string;
  pass: boolean;
  why?: string;
  /** A figure reported without a target (want: "reported"): its result column says so, and it never counts as not met. */
  reported?: boolean;
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "-");
const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) + " ms" : "-");
export const ratio = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "-");

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  return [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}

export function ioTable(rows: LoadRow[], limit: number): string {
  return table(
    ["stack (behind the same nginx)", "req/s", "of limit", "p50", "p99", "errors", CPU_HEAD],
    rows.map((r) => [
      `${r.name} (${r.detail})`,
      n0(r.result.rps),
      ratio(r.result.rps / limit),
      ms(r.result.p50Ms),
      ms(r.result.p99Ms),
      errorText(r.result),
      cpuText(r.cpu),
    ]),
  );
}

export function errorText(r: WrkResult): string {
  if (r.errors === 0) return "0";
  const parts: string[] = [];
  if (r.non2xx) parts.push(`${r.non2xx} non-2xx`);
  for (const [k, v] of Object.entries(r.socket)) if (v) parts.push(`${v} ${k}`);
  return parts.join(", ");
}

export function loadTable(rows: LoadRow[]): string {
  return table(
    ["endpoint / path", "req/s", "p50", "p99", "errors", CPU_HEAD],
    rows.map((r) => [`${r.name} (${r.detail})`, n0(r.result.rps), ms(r.result.p50Ms), ms(r.result.p99Ms), errorText(r.result), cpuText(r.cpu)]),
  );
}

export function targetTable(targets: Target[]): string {
  return table(
    ["target", "wanted", "measured", "result"],
    targets.map((t) => [t.name, t.want, t.got, t.reported ? "reported" : t.pass ? "PASS" : "FAIL"]),
  );
}

export function bytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return "-";
  if (n >= 1e6) return (n / 1e6).toFixed(1) + " MB";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + " kB";
  return `${n} B`;
}

export function seconds(msValue: number): string {
  return (msValue / 1000).toFixed(1) + " s";
}

/** The mean of several per-request CPU breakdowns. */
export function meanCpu(xs: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v / xs.length;
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
