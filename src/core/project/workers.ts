import type { Project, ProjectConfig } from "./model.js";

/** The gunicorn worker settings for one engine: the decisions fdock.yaml left to "auto", made. */
export interface WorkerPlan {
  workerClass: "sync" | "gthread" | "gevent";
  workers: number;
  threads: number;
  connections: number;
  timeout: number;
  /** Why this class was chosen, for `fdock config` and --verbose. */
  reason: string;
}

/**
 * auto: gevent when the project depends on gevent (its author opted into cooperative I/O and
 * one worker then holds a thousand slow requests), otherwise gthread (threads overlap I/O
 * waits and are safe for any WSGI app). Worker count: 2 x CPUs + 1 of the engine that runs it.
 */
export function planWorkers(config: ProjectConfig, dependencies: readonly string[], engineCpus: number): WorkerPlan {
  const w = config.workers;
  const cpus = Math.max(1, Math.floor(engineCpus));
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
  const workers = w.count === "auto" ? 2 * cpus + 1 : w.count;
  return { workerClass, workers, threads: w.threads, connections: w.connections, timeout: w.timeout, reason };
}

export function planWorkersFor(project: Project, engineCpus: number): WorkerPlan {
  return planWorkers(project.config, project.requirements.names, engineCpus);
}
