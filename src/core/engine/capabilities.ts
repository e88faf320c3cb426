/**
 * What fdock may ask of a Docker engine, decided by the version it reports. Pure: the stack code
 * asks the engine once (engine.ts) and passes the result to the renderers through the Target.
 */

/**
 * The oldest Docker Engine fdock supports: Debian 12's docker.io. Verified against a real
 * 20.10.24 with Compose v2.26: BuildKit builds with per-Dockerfile ignore files, `up --wait`,
 * `--scale gunicorn=2 --no-recreate`, the detached exec and SIGHUP of a redeploy.
 */
export const MIN_ENGINE_VERSION = "20.10";

/** Engine 25 added healthcheck.start_interval; Compose refuses the key below it. */
const HEALTH_START_INTERVAL_SINCE = "25.0";

export interface EngineCapabilities {
  /** The version the engine reported ("20.10.24+dfsg1"). */
  version: string;
  /**
   * healthcheck.start_interval: quick checks while a container starts, slow ones after. Without
   * it, every check runs at the shorter interval (see render/engine-compat.ts).
   */
  healthStartInterval: boolean;
}

/** What the renderers assume when no engine was asked (`fdock config --cpus N`): a current one. */
export const CURRENT_ENGINE: EngineCapabilities = { version: "current", healthStartInterval: true };

/** "20.10.24+dfsg1" -> [20, 10, 24]; null for anything without a leading number ("unknown"). */
export function parseEngineVersion(version: string): number[] | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** True when `version` is at least `floor` ("20.10"); an unreadable version counts as current. */
export function atLeast(version: string, floor: string): boolean {
  const v = parseEngineVersion(version);
  const f = parseEngineVersion(floor)!;
  if (!v) return true;
  for (let i = 0; i < 3; i++) if (v[i] !== f[i]) return v[i]! > f[i]!;
  return true;
}

/**
 * The capabilities of an engine of this version. An unreadable version gets the careful choice
 * for each (a file every supported engine accepts).
 */
export function engineCapabilities(version: string): EngineCapabilities {
  const known = parseEngineVersion(version) !== null;
  return { version, healthStartInterval: known && atLeast(version, HEALTH_START_INTERVAL_SINCE) };
}

/** Whether fdock supports this engine at all (an unreadable version is given the benefit of the doubt). */
export function isSupportedEngine(version: string): boolean {
  return atLeast(version, MIN_ENGINE_VERSION);
}
