import type { ProjectConfig } from "./model.js";

/**
 * What counts as a healthy app. By default gunicorn is asked "/" and any answer below 500 counts:
 * a 404 from Flask proves the app imported and routes requests, and most apps have no health
 * route. A path set in fdock.yaml exists on purpose, so it must answer 2xx or 3xx.
 */
export interface HealthRule {
  path: string;
  /** health.path was set in fdock.yaml. */
  explicit: boolean;
  /** Statuses below this one are healthy: 500 by default, 400 for an explicit path. */
  below: 400 | 500;
}

export function healthRule(config: Pick<ProjectConfig, "health">): HealthRule {
  const { path, explicit } = config.health;
  return { path, explicit, below: explicit ? 400 : 500 };
}

export function isHealthyStatus(rule: HealthRule, status: number): boolean {
  return status >= 100 && status < rule.below;
}

/** "a 2xx or 3xx answer to GET /healthz" / "any answer below 500 to GET /". */
export function describeRule(rule: HealthRule): string {
  return rule.explicit ? `a 2xx or 3xx answer to GET ${rule.path}` : `any answer below 500 to GET ${rule.path}`;
}

/** The next step when the rule failed with `status`. */
export function healthHint(rule: HealthRule, status: number | null): string {
  if (rule.explicit) {
    return `fdock's health check needs ${describeRule(rule)} (health.path in fdock.yaml). Add that route to the app, point health.path at a route that answers 200, or remove health.path: then any answer below 500 to GET / counts.`;
  }
  const seen = status === null ? "" : `it answered ${status}: `;
  return `fdock's health check needs ${describeRule(rule)}; ${seen}the app's error is in gunicorn's log above. Fix it, or set health.path in fdock.yaml to a route that answers 200.`;
}
