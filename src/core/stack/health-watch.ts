import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";
import { healthHint, isHealthyStatus, type HealthRule } from "../project/health.js";
import { COMPOSE_LABELS } from "../render/layout.js";

/**
 * Watches a service's new containers while compose waits for them to become healthy, and ends
 * the wait as soon as the answer is known to be "no": compose alone waits through the health
 * check's start_period (60 s) and its retries. Pure parts first, then the loop that polls the engine.
 */

/** One run of the container's health check, as the engine keeps it (State.Health.Log). */
export interface HealthLogEntry {
  ExitCode: number;
  Output: string;
}

/** What one run of fdock_health.py saw. */
export type Probe =
  | { kind: "answered"; status: number; path: string }
  | { kind: "no-answer"; path: string; error: string }
  | { kind: "unknown"; passed: boolean };

const PROBE_LINE = /fdock-health status=(\d+|none) path=(\S+)(?: error=(.*))?/;

/** Reads fdock_health.py's line ("fdock-health status=404 path=/healthz") from a health log entry. */
export function parseProbe(entry: HealthLogEntry): Probe {
  const m = PROBE_LINE.exec(entry.Output ?? "");
  if (!m) return { kind: "unknown", passed: entry.ExitCode === 0 };
  const [, status, path, error] = m as unknown as [string, string, string, string | undefined];
  if (status === "none") return { kind: "no-answer", path, error: (error ?? "").trim() };
  return { kind: "answered", status: Number(status), path };
}

/**
 * What a probe says about the app: healthy; still starting (no answer yet, a timeout, a 503
 * "not ready"); or failed for good, because the app answered with a status the rule refuses.
 */
export function classifyProbe(probe: Probe, rule: HealthRule): "healthy" | "starting" | "failed" {
  switch (probe.kind) {
    case "answered":
      if (isHealthyStatus(rule, probe.status)) return "healthy";
      return probe.status === 503 ? "starting" : "failed";
    case "no-answer":
      return "starting";
    case "unknown":
      return probe.passed ? "healthy" : "starting";
  }
}

/** Why fdock stopped waiting: the app answered with a failing status, or its container stopped. */
export type HealthVerdict =
  | { kind: "answered"; status: number; path: string }
  | { kind: "exited"; exitCode: number; restarts: number };

/** The parts of a container's inspect data the watcher reads. */
export interface ContainerReading {
  status: string;
  restarting: boolean;
  restartCount: number;
  exitCode: number;
  healthLog: HealthLogEntry[];
}

export function readingOf(info: Docker.ContainerInspectInfo): ContainerReading {
  const state = info.State as Docker.ContainerInspectInfo["State"] & { Health?: { Log?: HealthLogEntry[] } };
  return {
    status: state.Status,
    restarting: state.Restarting,
    restartCount: info.RestartCount ?? 0,
    exitCode: state.ExitCode,
    healthLog: state.Health?.Log ?? [],
  };
}

const stopped = (c: ContainerReading) => c.restarting || c.status === "exited" || c.status === "dead" || c.restartCount > 0;

/**
 * A definitive answer from two looks in a row, or null to keep waiting: the last two health
 * checks both failed the rule (the same status twice), or the container was stopped or
 * restarting at this look and the one before (gunicorn exits when the app cannot be imported).
 */
export function verdictOf(now: ContainerReading, before: ContainerReading | undefined, rule: HealthRule): HealthVerdict | null {
  if (before && stopped(before) && stopped(now)) return { kind: "exited", exitCode: now.exitCode, restarts: now.restartCount };
  const [previous, last] = now.healthLog.slice(-2).map(parseProbe);
  if (!previous || !last || last.kind !== "answered" || previous.kind !== "answered") return null;
  if (classifyProbe(last, rule) !== "failed" || classifyProbe(previous, rule) !== "failed" || last.status !== previous.status) return null;
  return { kind: "answered", status: last.status, path: last.path };
}

/** The watcher saw a definitive failure before compose gave up. */
export class UnhealthyApp extends Error {
  constructor(
    readonly verdict: HealthVerdict,
    /** The compose wait, still running until its containers are gone; never rejects. */
    private readonly waiting: Promise<unknown>,
  ) {
    super(verdict.kind === "answered" ? `GET ${verdict.path} answered ${verdict.status}` : `the container stopped (exit ${verdict.exitCode})`);
  }

  /** Waits (at most ms) for the compose command to end, once its containers were removed. */
  async settled(ms = 15_000): Promise<void> {
    await Promise.race([this.waiting, sleep(ms)]);
  }
}

/** " (GET /missing answered 404)" for a failure the watcher saw answered, "" otherwise: goes into the error's first sentence. */
export function seenInFailure(e: unknown): string {
  return e instanceof UnhealthyApp && e.verdict.kind === "answered" ? ` (GET ${e.verdict.path} answered ${e.verdict.status})` : "";
}

/** The next step for a failure the watcher saw answered; null for anything else (an import error, compose's own failure). */
export function hintForFailure(e: unknown, rule: HealthRule): string | null {
  return e instanceof UnhealthyApp && e.verdict.kind === "answered" ? healthHint(rule, e.verdict.status) : null;
}

export interface WatchOptions {
  docker: Docker;
  /** Compose project and service of the containers to watch. */
  project: string;
  service: string;
  rule: HealthRule;
  /** Containers that were there before (an old version being replaced): not watched. */
  exclude: ReadonlySet<string>;
  intervalMs?: number;
}

/**
 * Runs `wait` (compose `up --wait`) and returns its result; meanwhile looks at the service's new
 * containers every intervalMs and rejects with UnhealthyApp at the first definitive failure. A
 * refused connection while gunicorn boots is not one: that wait is compose's.
 */
export async function waitWatchingHealth<T>(opts: WatchOptions, wait: () => Promise<T>): Promise<T> {
  const waiting = wait();
  const quiet = waiting.then(() => undefined, () => undefined);
  let watching = true;
  const watch = (async (): Promise<HealthVerdict> => {
    const before = new Map<string, ContainerReading>();
    for (;;) {
      await sleep(opts.intervalMs ?? 500);
      if (!watching) return new Promise<never>(() => undefined);
      const verdict = await lookOnce(opts, before).catch(() => null);
      if (verdict) return verdict;
    }
  })();
  try {
    const first = await Promise.race([waiting.then((value) => ({ value })), watch.then((verdict) => ({ verdict }))]);
    if ("verdict" in first) throw new UnhealthyApp(first.verdict, quiet);
    return first.value;
  } finally {
    watching = false;
  }
}

async function lookOnce(opts: WatchOptions, before: Map<string, ContainerReading>): Promise<HealthVerdict | null> {
  const label = [`${COMPOSE_LABELS.project}=${opts.project}`, `${COMPOSE_LABELS.service}=${opts.service}`];
  const containers = (await opts.docker.listContainers({ all: true, filters: { label } })).filter((c) => !opts.exclude.has(c.Id));
  for (const c of containers) {
    const info = await opts.docker.getContainer(c.Id).inspect().catch(() => null);
    if (!info) continue;
    const now = readingOf(info);
    const verdict = verdictOf(now, before.get(c.Id), opts.rule);
    before.set(c.Id, now);
    if (verdict) return verdict;
  }
  return null;
}
