import type { Project, ProjectConfig } from "./model.js";

/** The gunicorn worker settings for one engine: the decisions fdock.yaml left to "auto", made. */
export interface WorkerPlan {
  workerClass: "sync" | "gthread" | "gevent";
  workers: number;
  threads: number;
  connections: number;
  timeout: number;
  /** Why this class and this count were chosen, for `fdock up`, `fdock config` and --verbose. */
  reason: string;
}

/**
 * Memory budgeted per gunicorn worker process. Each worker imports the whole app: a bare Flask
 * worker is about 40 MiB, one with SQLAlchemy, an ORM's models and a few clients 100-200 MiB, and
 * gevent's or gthread's in-flight requests add to it. 256 MiB is Heroku's figure too (its
 * WEB_CONCURRENCY is about RAM / 256 MiB per dyno size).
 */
export const WORKER_MEMORY_MIB = 256;
/** Memory left to the host itself, Docker, nginx and the engine's other containers. */
export const RESERVED_MEMORY_MIB = 256;

const MIB = 1024 * 1024;

/** "1.0 GiB" or "512 MiB". */
export function memoryText(bytes: number): string {
  const mib = bytes / MIB;
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Math.round(mib)} MiB`;
}

/**
 * The worker count "auto" means: 2 x CPUs + 1 (gunicorn's guide), but never more than the engine's
 * memory holds at WORKER_MEMORY_MIB each after RESERVED_MEMORY_MIB, and at least 1. memoryBytes
 * undefined or 0: unknown, CPUs alone decide. Pure.
 */
export function autoWorkerCount(engineCpus: number, memoryBytes?: number): { workers: number; reason: string } {
  const cpus = Math.max(1, Math.floor(engineCpus));
  const byCpu = 2 * cpus + 1;
  const cpuText = `2 x ${cpus} CPU${cpus === 1 ? "" : "s"} + 1`;
  if (!memoryBytes || memoryBytes <= 0) return { workers: byCpu, reason: `${byCpu} workers = ${cpuText} (memory not known)` };
  const byMemory = Math.max(1, Math.floor((memoryBytes / MIB - RESERVED_MEMORY_MIB) / WORKER_MEMORY_MIB));
  if (byMemory >= byCpu) return { workers: byCpu, reason: `${byCpu} workers = ${cpuText}` };
  return {
    workers: byMemory,
    reason: `${byMemory} worker${byMemory === 1 ? "" : "s"}, not ${byCpu} (${cpuText}): ${memoryText(memoryBytes)} of memory holds ${byMemory} at ${WORKER_MEMORY_MIB} MiB each after ${RESERVED_MEMORY_MIB} MiB for the system`,
  };
}

/**
 * auto: gevent when the project depends on gevent (its author opted into cooperative I/O and
 * one worker then holds a thousand slow requests), otherwise gthread (threads overlap I/O
 * waits and are safe for any WSGI app). Worker count: autoWorkerCount of the engine that runs it.
 */
export function planWorkers(config: ProjectConfig, dependencies: readonly string[], engineCpus: number, engineMemoryBytes?: number): WorkerPlan {
  const w = config.workers;
  let workerClass: WorkerPlan["workerClass"];
  let reason: string;
  if (w.class !== "auto") {
    workerClass = w.class;
    reason = `workers.class is ${w.class} in fdock.yaml`;
  } else if (dependencies.includes("gevent")) {
    workerClass = "gevent";
    reason = "auto: the project depends on gevent";
  } else {
    workerClass = "gthread";
    reason = "auto: no gevent dependency, threads overlap I/O safely";
  }
  const count = w.count === "auto" ? autoWorkerCount(engineCpus, engineMemoryBytes) : { workers: w.count, reason: `workers.count is ${w.count} in fdock.yaml` };
  return { workerClass, workers: count.workers, threads: w.threads, connections: w.connections, timeout: w.timeout, reason: `${reason}; ${count.reason}` };
}

export function planWorkersFor(project: Project, engineCpus: number, engineMemoryBytes?: number): WorkerPlan {
  return planWorkers(project.config, project.requirements.names, engineCpus, engineMemoryBytes);
}

const UNITS: Record<string, number> = { k: 1024, m: MIB, g: 1024 * MIB, t: 1024 * 1024 * MIB };

/** "512m", "1g", "1.5G" (binary units, as Docker's --memory) in bytes; undefined if not such a size. */
export function parseMemorySize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt])i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}
