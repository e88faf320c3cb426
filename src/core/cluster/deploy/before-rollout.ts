/**
 * What a cluster deploy does after the build and before the stack changes: the new images to every
 * other node (without the user's registry), the backing services deployed and healthy, the release
 * command run once. The manager built the images, so it has them first: the release runs there
 * while the copy to the other nodes goes on, the two under one step. On a drained manager (it
 * takes no tasks) the release waits for the copy and Swarm places it on any node.
 *
 * When one side fails, the other is let finish before the error is thrown (the copy's first: it
 * means nothing changed). Either way the stack has not changed and the old version serves; the
 * release may have run, as when a later step of a deploy fails.
 */
import { step, type Reporter } from "../../events.js";
import type { RemoteEngine } from "../../machine/remote.js";
import type { Project } from "../../project/model.js";
import { deployBackingServices } from "./backing-services.js";
import { copyLine, distributeImages, type BuiltImage, type ClusterImage } from "./images.js";
import { onManager, releaseJob } from "./processes.js";

export interface BeforeRollout {
  cluster: string;
  manager: RemoteEngine;
  /** The nodes to copy the images to: none with a registry (they pull). */
  others: RemoteEngine[];
  project: Project;
  images: Record<ClusterImage, BuiltImage>;
  /** The backing services' stack file and what it runs where, when the app has any. */
  services?: { stack: string; kinds: string[]; machine: string };
  onOutput?: (text: string) => void;
}

type Work = () => Promise<unknown>;

export async function beforeRollout(r: BeforeRollout, reporter: Reporter): Promise<void> {
  const { manager, project } = r;
  const copy: Work | undefined = r.others.length
    ? async () => {
        const n = r.others.length;
        const copies = await step(reporter, "images", `Copy the images to ${n} other node${n === 1 ? "" : "s"}`, () => distributeImages(manager, r.others, [r.images.gunicorn, r.images.nginx], undefined, r.images.gunicorn.ref));
        for (const c of copies) reporter.emit({ kind: "info", message: copyLine(c) });
      }
    : undefined;
  const services = r.services;
  const deployServices: Work | undefined = services
    ? () => step(reporter, "services", `Deploy ${services.kinds.join(" and ")} on ${services.machine}, wait until healthy`, () => deployBackingServices(manager, project, services.stack, r.onOutput))
    : undefined;
  const command = project.config.release;
  const placement = copy && command ? await onManager(manager.docker) : undefined;
  const release = (constraints?: string[]): Work | undefined =>
    command ? () => step(reporter, "release", `Release, once, as a one-off task on ${constraints ? manager.name : `cluster ${r.cluster}`}: ${command}`, () => releaseJob(manager, project, r.images.gunicorn.ref, r.onOutput, constraints)) : undefined;

  // Beside the copy: the services, then the release when it can run on the manager (or nothing is copied).
  const meanwhile = [deployServices, placement || !copy ? release(placement) : undefined].filter((w): w is Work => w !== undefined);
  const inTurn = async () => {
    for (const w of meanwhile) await w();
  };
  if (copy && meanwhile.length) {
    const n = r.others.length;
    const what = [services && `${services.kinds.join(" and ")} on ${services.machine}`, placement && `the release on ${manager.name}`].filter(Boolean).join(", then ");
    await step(reporter, "before-rollout", `While the images go to ${n} other node${n === 1 ? "" : "s"}: ${what}`, () => both(copy, inTurn));
  } else {
    await copy?.();
    await inTurn();
  }
  if (copy && !placement) await release()?.();
}

/** Runs both to their end; throws the first one's error if it failed, else the second's. */
async function both(first: Work, second: Work): Promise<void> {
  const [a, b] = await Promise.allSettled([first(), second()]);
  if (a.status === "rejected") throw a.reason;
  if (b.status === "rejected") throw b.reason;
}
