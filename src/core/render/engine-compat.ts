import { CURRENT_ENGINE, type EngineCapabilities } from "../engine/capabilities.js";

/**
 * The health check interval on engines without healthcheck.start_interval (below 25): one
 * interval for the container's whole life, short enough that `up --wait` sees a new container
 * healthy within a couple of seconds (the topology's 10 s would make every deploy wait 10 s).
 */
export const PLAIN_HEALTH_INTERVAL = "2s";

type Service = Record<string, unknown>;

/**
 * Fits the topology's services to what the engine allows, in place: below Engine 25 each
 * healthcheck loses start_interval (compose refuses it there) and checks every
 * PLAIN_HEALTH_INTERVAL instead.
 */
export function fitServicesToEngine(services: Record<string, Service>, engine: EngineCapabilities = CURRENT_ENGINE): void {
  if (engine.healthStartInterval) return;
  for (const service of Object.values(services)) {
    const check = service.healthcheck as Record<string, unknown> | undefined;
    if (!check || !("start_interval" in check)) continue;
    delete check.start_interval;
    check.interval = PLAIN_HEALTH_INTERVAL;
  }
}
