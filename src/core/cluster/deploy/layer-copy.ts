/**
 * Sending one image from the manager's engine to other engines: a single `docker save` stream,
 * read once, passed through one TarFilter per node (leaving out the layer files that node has)
 * into that node's `docker load`. Also what a node has: its engine's image store and its layers.
 */
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { layoutProblem, sharedPrefix } from "./layer-prefix.js";
import { TarFilter, type TarEntry } from "./tar-filter.js";

/** The containerd image store: `docker info`'s DriverStatus says so with this driver-type. */
const CONTAINERD_STORE = "io.containerd.snapshotter.v1";
/** At most this many of a node's images are inspected for the layers they share with a new one. */
const INSPECTED = 20;

/**
 * Whether an engine keeps images in the classic (graph driver) store, whose `docker load` skips
 * the layers it has. With the containerd image store, load is containerd's import, which this
 * rule was not verified for: such an engine gets whole images.
 */
export async function classicImageStore(docker: Docker): Promise<boolean> {
  const info = (await docker.info()) as { DriverStatus?: Array<[string, string]> };
  return !(info.DriverStatus ?? []).some(([key, value]) => key === "driver-type" && value === CONTAINERD_STORE);
}

/**
 * How many bottom layers of `layers` a node has: the longest prefix one of its images starts
 * with, looked for among its images of the same repository first (the previous version), then
 * its other images, newest first.
 */
export async function layersOnNode(docker: Docker, repo: string, layers: string[]): Promise<number> {
  const images = (await docker.listImages()) as Array<{ Id: string; RepoTags?: string[] | null; Created: number }>;
  const ours = (i: (typeof images)[number]) => (i.RepoTags ?? []).some((t) => t.startsWith(`${repo}:`));
  const candidates = [...images].sort((a, b) => Number(ours(b)) - Number(ours(a)) || b.Created - a.Created).slice(0, INSPECTED);
  const stacks = await Promise.all(
    candidates.map((i) =>
      docker
        .getImage(i.Id)
        .inspect()
        .then(
          (x) => ((x as { RootFS?: { Layers?: string[] } }).RootFS?.Layers ?? []) as string[],
          () => [] as string[],
        ),
    ),
  );
  return sharedPrefix(layers, stacks);
}

/** Loads an image archive into an engine; rejects with the engine's own message when it refuses it. */
export async function loadInto(docker: Docker, archive: Readable): Promise<void> {
  const response = await docker.loadImage(archive);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(response, (err: Error | null, events: Array<{ error?: string }>) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
}

/** What one node was sent of an image. */
export interface Sent {
  /** Bytes of the archive it was sent. */
  bytes: number;
  /** The entries left out of it. */
  skipped: TarEntry[];
  /** What was not as expected in the archive's layout (then entries meant to be left out may have been sent). */
  layoutProblem?: string;
}

/**
 * Streams `ref` (whose diffIDs are `layers`) from one engine into several, each leaving out the
 * archive entries in its `skip`. One `docker save`, read once at the pace of the slowest node; a
 * node that fails is cut off without stopping the others. Results in the targets' order.
 */
export async function sendImage(from: Docker, ref: string, layers: string[], targets: Array<{ docker: Docker; skip: Set<string> }>): Promise<Array<PromiseSettledResult<Sent>>> {
  const saved = (await from.getImage(ref).get()) as unknown as Readable;
  const filters = targets.map((t) => new TarFilter({ drop: (e) => t.skip.has(e.name), capture: ["manifest.json"] }));
  saved.on("error", (e: Error) => filters.forEach((f) => f.destroy(e)));
  const results = await Promise.allSettled(
    targets.map(async (t, i) => {
      const filter = filters[i]!;
      saved.pipe(filter);
      try {
        await loadInto(t.docker, filter);
      } catch (e) {
        saved.unpipe(filter);
        filter.destroy();
        throw e;
      }
      return { bytes: filter.bytesOut, skipped: filter.dropped, layoutProblem: layoutProblem(filter.captured.get("manifest.json"), layers) };
    }),
  );
  if (!saved.readableEnded) saved.destroy();
  return results;
}
