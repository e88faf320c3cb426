/**
 * Watching a stack deploy through the manager's API until every service runs what was deployed
 * (each task running, which in Swarm means healthy), or Swarm rolled an update back.
 */
import type Docker from "dockerode";

interface ServiceInfo {
  Spec: { TaskTemplate: { ContainerSpec: { Image: string } }; Mode: { Replicated?: { Replicas?: number }; Global?: object } };
  UpdateStatus?: { State?: string; Message?: string };
}
interface TaskInfo {
  NodeID: string;
  DesiredState: string;
  Status: { State: string; Err?: string; Message?: string };
  Spec: { ContainerSpec: { Image: string } };
}

/** How one service stands against the image fdock deployed. Pure, from what the API says. */
export type Rollout =
  | { state: "converged"; running: number }
  | { state: "rolling"; running: number; wanted: number }
  /** Tasks of the deployed image keep failing and nothing could be rolled back to (a first deploy). */
  | { state: "failing"; running: number; wanted: number }
  | { state: "rolled-back"; message: string; done: boolean };

/** The images' references match once Swarm's own suffix (a digest) is left off. */
const sameImage = (a: string, b: string) => a.split("@")[0] === b.split("@")[0];

/** The nodes as the manager sees them: how many can run tasks, and which ones report in (ready). */
export interface NodesNow {
  eligible: number;
  ready: ReadonlySet<string>;
}

/**
 * Where a service is: converged (every wanted task running the deployed image, and no task of
 * another image still running on a node that reports in, even one Swarm is stopping), rolling,
 * or rolled back (its spec names another image). An old task Swarm is stopping still answers
 * whoever kept its address; once it stopped, a stale address is refused and nginx tries the next.
 */
export function rolloutOf(service: ServiceInfo, tasks: TaskInfo[], deployedImage: string, nodes: NodesNow): Rollout {
  const status = service.UpdateStatus;
  if (!sameImage(service.Spec.TaskTemplate.ContainerSpec.Image, deployedImage) || status?.State?.startsWith("rollback")) {
    return { state: "rolled-back", message: status?.Message ?? "", done: status?.State !== "rollback_started" };
  }
  const wanted = service.Spec.Mode.Global ? nodes.eligible : (service.Spec.Mode.Replicated?.Replicas ?? 1);
  const running = tasks.filter((t) => t.DesiredState === "running" && t.Status.State === "running" && sameImage(t.Spec.ContainerSpec.Image, deployedImage)).length;
  const others = tasks.filter((t) => (t.DesiredState === "running" || (t.Status.State === "running" && nodes.ready.has(t.NodeID))) && !sameImage(t.Spec.ContainerSpec.Image, deployedImage)).length;
  const updating = status?.State === "updating";
  // Twice as many failures as wanted tasks, and one more: an update would have been rolled back by now.
  // Rejected tasks count too: a node that cannot get the image (a failed pull) rejects each one.
  const failed = tasks.filter((t) => ["failed", "rejected"].includes(t.Status.State) && sameImage(t.Spec.ContainerSpec.Image, deployedImage)).length;
  if (running < wanted && failed > 2 * wanted) return { state: "failing", running, wanted };
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
  for (;;) {
    const listed = (await docker.listNodes()) as Array<{ ID: string; Status: { State: string }; Spec: { Availability: string } }>;
    const ready = listed.filter((n) => n.Status.State === "ready");
    const nodes: NodesNow = { eligible: ready.filter((n) => n.Spec.Availability === "active").length, ready: new Set(ready.map((n) => n.ID)) };
    const outcome: StackOutcome = { rolledBack: [], stuck: [] };
    let pending = false;
    for (const [name, image] of Object.entries(services)) {
      const service = (await docker.getService(name).inspect()) as ServiceInfo;
      const tasks = (await docker.listTasks({ filters: { service: [name] } })) as TaskInfo[];
      const r = rolloutOf(service, tasks, image, nodes);
      if (r.state === "rolled-back") {
        outcome.rolledBack.push({ service: name, message: r.message });
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
