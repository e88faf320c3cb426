/**
 * Watching a stack deploy through the manager's API until every service runs what was deployed
 * (each task running, which in Swarm means healthy), or Swarm rolled an update back.
 */
import type Docker from "dockerode";
import { step, type Reporter } from "../../events.js";

interface ServiceInfo {
  Version?: { Index: number };
  Spec: { TaskTemplate: { ContainerSpec: { Image: string } }; Mode: { Replicated?: { Replicas?: number }; Global?: object } };
  PreviousSpec?: object;
  UpdateStatus?: { State?: string; Message?: string };
}
interface TaskInfo {
  NodeID: string;
  /** A replicated service's slot (a global service's tasks have none: their node is their slot). */
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Err?: string; Message?: string };
  Spec: { ContainerSpec: { Image: string } };
}

/** How one service stands against the image fdock deployed. Pure, from what the API says. */
export type Rollout =
  | { state: "converged"; running: number }
  | { state: "rolling"; running: number; wanted: number }
  /**
   * Tasks of the deployed image keep failing, and Swarm is not rolling it back: a first deploy
   * (nothing to roll back to), or an update Swarm counted done before the failures came (its
   * monitor is short), which fdock then rolls back itself (watchRollout).
   */
  | { state: "failing"; running: number; wanted: number }
  | { state: "rolled-back"; message: string; done: boolean };

/** Failures of one slot, with no update under way, that make a rollout failing. */
const SLOT_FAILURES = 3;

/** The images' references match once Swarm's own suffix (a digest) is left off. */
const sameImage = (a: string, b: string) => a.split("@")[0] === b.split("@")[0];

/** Where a service is: converged (every wanted task running the deployed image), rolling, or rolled back (its spec names another image). */
export function rolloutOf(service: ServiceInfo, tasks: TaskInfo[], deployedImage: string, eligibleNodes: number): Rollout {
  const status = service.UpdateStatus;
  if (!sameImage(service.Spec.TaskTemplate.ContainerSpec.Image, deployedImage) || status?.State?.startsWith("rollback")) {
    return { state: "rolled-back", message: status?.Message ?? "", done: status?.State !== "rollback_started" };
  }
  const wanted = service.Spec.Mode.Global ? eligibleNodes : (service.Spec.Mode.Replicated?.Replicas ?? 1);
  const running = tasks.filter((t) => t.DesiredState === "running" && t.Status.State === "running" && sameImage(t.Spec.ContainerSpec.Image, deployedImage)).length;
  const others = tasks.filter((t) => t.DesiredState === "running" && !sameImage(t.Spec.ContainerSpec.Image, deployedImage)).length;
  const updating = status?.State === "updating";
  // Twice as many failures as wanted tasks, and one more: an update would have been rolled back by
  // now. Or, once no update is under way, one slot (a node, for a global service) that failed
  // SLOT_FAILURES times: Swarm keeps only about 5 tasks of a slot's history, so a count over the
  // whole service could never get there with one bad node. Rejected tasks count too: a node that
  // cannot get the image (a failed pull) rejects each one.
  const failedTasks = tasks.filter((t) => ["failed", "rejected"].includes(t.Status.State) && sameImage(t.Spec.ContainerSpec.Image, deployedImage));
  const bySlot = new Map<string, number>();
  for (const t of failedTasks) {
    const slot = t.Slot ? `slot ${t.Slot}` : `node ${t.NodeID}`;
    bySlot.set(slot, (bySlot.get(slot) ?? 0) + 1);
  }
  const slotKeepsFailing = [...bySlot.values()].some((n) => n >= SLOT_FAILURES);
  if (running < wanted && (failedTasks.length > 2 * wanted || (!updating && slotKeepsFailing))) return { state: "failing", running, wanted };
  return running >= wanted && others === 0 && !updating ? { state: "converged", running } : { state: "rolling", running, wanted };
}

/** The last errors of a service's failed tasks, newest first (why new tasks did not get healthy). */
export function taskErrors(tasks: TaskInfo[]): string[] {
  return [...new Set(tasks.filter((t) => ["failed", "rejected"].includes(t.Status.State)).map((t) => t.Status.Err ?? t.Status.Message ?? t.Status.State))].slice(0, 3);
}

export interface StackOutcome {
  /** Services Swarm rolled back, with its reason. */
  rolledBack: Array<{ service: string; message: string }>;
  /** Services that did not converge in time, or whose new tasks keep failing, with their last task errors. */
  stuck: Array<{ service: string; running: number; wanted: number; errors: string[] }>;
}

/** How often the manager is asked (a few small API calls each time): a deploy ends this long at most after Swarm finished. */
const POLL_MS = 250;

/** Polls the services (by full name, with the image deployed to each) until all converged or rolled back, or the time is up. */
export async function watchRollout(docker: Docker, services: Record<string, string>, timeoutMs: number): Promise<StackOutcome> {
  const deadline = Date.now() + timeoutMs;
  /** The services fdock rolled back itself, and why. */
  const rolledBackHere = new Map<string, string>();
  for (;;) {
    const nodes = (await docker.listNodes()) as Array<{ Status: { State: string }; Spec: { Availability: string } }>;
    const eligible = nodes.filter((n) => n.Status.State === "ready" && n.Spec.Availability === "active").length;
    const outcome: StackOutcome = { rolledBack: [], stuck: [] };
    let pending = false;
    for (const [name, image] of Object.entries(services)) {
      const service = (await docker.getService(name).inspect()) as ServiceInfo;
      const tasks = (await docker.listTasks({ filters: { service: [name] } })) as TaskInfo[];
      const r = rolloutOf(service, tasks, image, eligible);
      if (r.state === "failing" && service.PreviousSpec && !rolledBackHere.has(name)) {
        // Swarm counted the update done before its new tasks failed: put the previous spec back,
        // as Swarm's own failure_action would have (the version before serves again on every node).
        rolledBackHere.set(name, `its new tasks kept failing after Swarm counted the update done, so fdock rolled it back (${taskErrors(tasks).join("; ") || "no error given"})`);
        // Refused when the service changed meanwhile (Swarm rolling back after all): the next look says how it stands.
        await docker
          .getService(name)
          .update({ _query: { version: service.Version?.Index, rollback: "previous" }, _body: service.Spec })
          .catch(() => undefined);
        pending = true;
      } else if (r.state === "rolled-back") {
        outcome.rolledBack.push({ service: name, message: rolledBackHere.get(name) ?? r.message });
        if (!r.done) pending = true;
      } else if (r.state !== "converged") {
        if (r.state === "rolling") pending = true;
        outcome.stuck.push({ service: name, running: r.running, wanted: r.wanted, errors: taskErrors(tasks) });
      }
    }
    if (!pending || Date.now() > deadline) return outcome;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * The tasks of another image than the deployed one still running on a node that reports in:
 * Swarm is stopping them (it takes a task out of DNS, waits 2 s, then stops it), and until they
 * stopped, a node's nginx that still holds one's address gets the old version from it. Once
 * stopped, such an address is refused and nginx tries the next. Tasks on a node that no longer
 * reports in are not counted: nobody reaches them, and Swarm cannot say they stopped. Pure.
 */
export function oldTasksRunning(tasks: TaskInfo[], deployedImage: string, ready: ReadonlySet<string>): number {
  return tasks.filter((t) => t.Status.State === "running" && ready.has(t.NodeID) && !sameImage(t.Spec.ContainerSpec.Image, deployedImage)).length;
}

/**
 * Polls until no old task of the services runs (see oldTasksRunning), or the time is up, or
 * `ended` aborts (the deploy ended otherwise, say its check failed): true when they all stopped.
 * Never throws (an API error counts as not known to have stopped): the new version serves either
 * way, and the deploy waits on this only to say when the old one is gone.
 */
export async function oldTasksStopped(docker: Docker, services: Record<string, string>, timeoutMs: number, ended?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (ended?.aborted) return false;
      const nodes = (await docker.listNodes()) as Array<{ ID: string; Status: { State: string } }>;
      const ready = new Set(nodes.filter((n) => n.Status.State === "ready").map((n) => n.ID));
      let running = 0;
      for (const [name, image] of Object.entries(services)) {
        running += oldTasksRunning((await docker.listTasks({ filters: { service: [name] } })) as TaskInfo[], image, ready);
      }
      if (!running) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } catch {
    return false;
  }
}

/** How long the old version's tasks are waited for: Swarm's 2 s, then their stop grace period (10 s unless set), and some. */
const OLD_TASKS_STOP_MS = 30_000;

/**
 * Starts watching the old tasks of the services stop, as soon as a web rollout converged; the
 * returned step ends the deploy (after the checks and the release record, which go on meanwhile):
 * from then on no node's nginx gets the old version. A deploy that fails before that step aborts
 * `ended`, so the watch does not keep the process (and an SSH connection) for nothing.
 */
export function watchOldTasks(docker: Docker, services: Record<string, string>, ended: AbortSignal): (reporter: Reporter) => Promise<void> {
  const stopping = oldTasksStopped(docker, services, OLD_TASKS_STOP_MS, ended);
  return async (reporter) => {
    const stopped = await step(reporter, "old-tasks", "The old version's tasks stop (each finishes the requests it has)", () => stopping);
    if (!stopped) reporter.emit({ kind: "info", message: `Some of the old version's tasks were still running after ${OLD_TASKS_STOP_MS / 1000} s: Swarm goes on stopping them.` });
  };
}
