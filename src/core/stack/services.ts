import { HealthCheckError } from "../errors.js";
import { step, type Reporter } from "../events.js";
import { serviceImage } from "../project/model.js";
import { serviceKinds } from "../render/services.js";
import { ComposeFailure, lastLines } from "./compose-project.js";
import type { Stack } from "./prepare.js";

/**
 * Starts the app's backing services (credentials first, then postgres and redis) and waits until
 * each is healthy. A service whose configuration did not change is left running as it is: a
 * code-only deploy never restarts a database. Run before the release command.
 */
export async function startServices(stack: Stack): Promise<void> {
  const kinds = serviceKinds(stack.project);
  if (!kinds.length) return;
  try {
    await stack.compose.upServices(kinds);
  } catch (e) {
    if (!(e instanceof ComposeFailure)) throw e;
    const logs = await stack.compose.logs(["credentials", ...kinds], { tail: 30 }).catch(() => "");
    const rows = await stack.compose.ps().catch(() => []);
    const which = kinds.filter((k) => !rows.some((r) => r.service === k && r.state === "running" && r.health === "healthy"));
    throw new HealthCheckError(
      `${which.length ? which.join(" and ") : kinds.join(", ")} did not become healthy, so the deploy stopped before the release command.`,
      `Their output is above. Nothing of the app was replaced: the running version (if any) still serves. \`fdock logs ${which[0] ?? kinds[0]}\` shows more.`,
      lastLines([logs, e.output].filter((t) => t.trim()).join("\n"), 40),
    );
  }
}

/**
 * Replaces the app's processes (a worker) with the current image, once the new web version is
 * healthy (after a deploy or a rollback): a step of its own when there are any. Compose stops the
 * old container with SIGTERM and waits the worker timeout (Celery's warm shutdown finishes the
 * tasks it has); a process that crashes later is restarted by the engine.
 */
export async function startProcesses(stack: Stack, reporter: Reporter): Promise<void> {
  const names = Object.keys(stack.project.config.processes);
  if (!names.length) return;
  await step(reporter, "processes", `Start processes: ${names.join(", ")}`, () => stack.compose.upProcesses(names));
}

/** The services a deploy runs, named for its progress line. */
export function servicesLine(stack: Stack): string {
  return serviceKinds(stack.project).map((k) => serviceImage(stack.project.config, k)).join(", ");
}
