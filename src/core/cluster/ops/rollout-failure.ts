/** What a cluster rollout that did not converge means for the user (exit 4), for `fdock rollback --remote CLUSTER`. */
import { HealthCheckError } from "../../errors.js";
import type { StackOutcome } from "../deploy/converge.js";

/** The HealthCheckError for a rollout Swarm rolled back or that did not converge; undefined when it converged. */
export function rolloutFailure(outcome: StackOutcome, where: { cluster: string; manager: string; stack: string; timeoutMs: number; what: string }): HealthCheckError | undefined {
  const see = `See the tasks with \`fdock ps --remote ${where.cluster}\` and their output with \`fdock logs --remote ${where.cluster} gunicorn\`.`;
  if (outcome.rolledBack.length) {
    return new HealthCheckError(
      `${where.what} did not get healthy on cluster ${where.cluster}: Swarm rolled ${outcome.rolledBack.map((r) => r.service).join(" and ")} back, and the version that served before still serves.`,
      `Swarm's reason: ${outcome.rolledBack.map((r) => r.message || "none given").join("; ")}. ${see}`,
    );
  }
  if (outcome.stuck.length) {
    return new HealthCheckError(
      `${where.what} did not converge on cluster ${where.cluster} within ${where.timeoutMs / 1000} s: ${outcome.stuck.map((s) => `${s.service} has ${s.running} of ${s.wanted} tasks running`).join("; ")}.`,
      see,
      outcome.stuck.flatMap((s) => s.errors.map((e) => `${s.service}: ${e}`)).join("\n") || undefined,
    );
  }
  return undefined;
}
