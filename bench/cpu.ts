/**
 * CPU time per part of the request path, from /proc: the gunicorn and nginx containers (by
 * cgroup), Docker's userland port proxy, and the engine (dockerd, containerd and its shims,
 * which carry the containers' stdout to the log files). Other processes on the box are ignored.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Linux reports utime/stime in clock ticks: 100 per second on every common kernel config. */
const TICK_US = 10_000;

export type CpuSnapshot = Map<string, number>;

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // the process exited meanwhile
  }
}

/** containers: full container id -> the label its processes count under. */
export function cpuSnapshot(containers: Map<string, string>): CpuSnapshot {
  const byPart: CpuSnapshot = new Map();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    let part: string | undefined;
    if (name === "docker-proxy") part = "docker-proxy";
    else if (name === "dockerd" || name.startsWith("containerd")) part = "engine";
    else {
      const id = /([0-9a-f]{64})/.exec(read(`/proc/${pid}/cgroup`) ?? "")?.[1];
      part = id ? containers.get(id) : undefined;
    }
    if (!part) continue;
    const fields = stat.slice(close + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    byPart.set(part, (byPart.get(part) ?? 0) + ticks);
  }
  return byPart;
}

/** Microseconds of CPU per request, by part. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [part, ticks] of after) {
    const used = ticks - (before.get(part) ?? 0);
    if (requests > 0) out[part] = Math.max(0, (used * TICK_US) / requests);
  }
  return out;
}
