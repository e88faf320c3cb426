/**
 * Sending one image from the manager's engine to other engines: a single `docker save` stream,
 * read once, passed through one TarFilter per node (leaving out the layer files that node has)
 * into that node's `docker load`, both run by the docker CLI over its own SSH connections. Also what a node has: its engine's image store and its layers.
 */
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { pipeArgv } from "../../exec.js";
import { layoutProblem, sharedPrefix } from "./layer-prefix.js";
import { saveOnManager, type ManagerSave } from "./manager-save.js";
import { swarmArgv } from "./swarm-argv.js";
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

/** What one node was sent of an image. */
export interface Sent {
  /** Bytes of the archive it was sent. */
  bytes: number;
  /** The entries left out of it. */
  skipped: TarEntry[];
  /** What was not as expected in the archive's layout (then entries meant to be left out may have been sent). */
  layoutProblem?: string;
}

/** An engine images are copied from or to: its API, and the docker CLI's arguments and environment for it. */
export interface CopyEngine {
  docker: Docker;
  dockerArgs: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** The program's words when it failed (its last stderr lines, without the CLI's "Error response from daemon:"). */
function failure(what: string, r: { exitCode: number; stderr: string }): Error {
  const text = r.stderr.trim().split("\n").slice(-3).join(" ").replace(/^Error response from daemon: /, "");
  return new Error(text || `${what} ended with exit code ${r.exitCode}`);
}

/** A node to send an image to, and the archive entries it does not need. */
export interface SendTarget {
  engine: CopyEngine;
  skip: Set<string>;
}

/**
 * Streams `ref` (whose diffIDs are `layers`) from one engine into several, each leaving out the
 * archive entries in its `skip`. With `helper` (an image on the source with python3: the app's
 * gunicorn image), the archive is filtered on the source engine's machine (manager-save.ts), one
 * thin archive per distinct `skip`, and only that crosses the SSH link; else, or when that
 * cannot run there, one `docker save` streamed here, read once at the pace of the slowest node,
 * is filtered for each node. Into each node's `docker load`; a node that fails is cut off without
 * stopping the others. Results in the targets' order.
 */
export async function sendImage(from: CopyEngine, ref: string, layers: string[], targets: SendTarget[], helper?: string): Promise<Array<PromiseSettledResult<Sent>>> {
  const results: Array<PromiseSettledResult<Sent>> = new Array(targets.length);
  const here: number[] = [];
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    if (!helper || !t.skip.size) return void here.push(i);
    const key = JSON.stringify([...t.skip].sort());
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const sent = await sendThinFromSource(from, helper!, ref, layers, targets[group[0]!]!.skip, group.map((i) => targets[i]!.engine));
      if (sent) sent.forEach((r, k) => (results[group[k]!] = r));
      else here.push(...group);
    }),
  );
  if (here.length) {
    const sent = await sendThroughHere(from, ref, layers, here.map((i) => targets[i]!));
    sent.forEach((r, k) => (results[here[k]!] = r));
  }
  return results;
}

/** The thin archive made on the source's machine into each engine; undefined when it could not be made there. */
async function sendThinFromSource(from: CopyEngine, helper: string, ref: string, layers: string[], skip: Set<string>, engines: CopyEngine[]): Promise<Array<PromiseSettledResult<Sent>> | undefined> {
  let saved: ManagerSave;
  try {
    saved = await saveOnManager(from.docker, helper, ref, skip);
  } catch {
    return undefined;
  }
  const filters = engines.map(() => new TarFilter({ drop: () => false, capture: ["manifest.json"] }));
  saved.archive.on("error", (e: Error) => filters.forEach((f) => f.destroy(e)));
  const loads = Promise.allSettled(engines.map((engine, k) => loadThrough(saved.archive, filters[k]!, engine)));
  const [info, loaded] = await Promise.all([saved.done.catch((e: Error) => e), loads]);
  if (info instanceof Error) return undefined;
  return loaded.map((r, k) =>
    r.status === "rejected" ? r : { status: "fulfilled" as const, value: { bytes: filters[k]!.bytesOut, skipped: info.dropped, layoutProblem: layoutProblem(info.manifest === undefined ? undefined : Buffer.from(info.manifest), layers) } },
  );
}

/** One `docker save` streamed here, filtered for each target into its `docker load`. */
async function sendThroughHere(from: CopyEngine, ref: string, layers: string[], targets: SendTarget[]): Promise<Array<PromiseSettledResult<Sent>>> {
  const save = pipeArgv(swarmArgv.save(from, ref), { env: from.env });
  save.stdin.end();
  const saved = save.stdout;
  const filters = targets.map((t) => new TarFilter({ drop: (e) => t.skip.has(e.name), capture: ["manifest.json"] }));
  const saveEnded = save.ended.then((r) => {
    if (r.exitCode !== 0) {
      const e = failure("docker save", r);
      filters.forEach((f) => f.destroy(e));
      throw e;
    }
  });
  saveEnded.catch(() => undefined);
  const results = await Promise.allSettled(
    targets.map(async (t, i) => {
      const filter = filters[i]!;
      await loadThrough(saved, filter, t.engine);
      return { bytes: filter.bytesOut, skipped: filter.dropped, layoutProblem: layoutProblem(filter.captured.get("manifest.json"), layers) };
    }),
  );
  if (!saved.readableEnded) save.kill();
  await saveEnded.catch(() => undefined);
  return results;
}

/**
 * `source` through `filter` into the engine's `docker load`. A load that fails is cut off from the
 * source, so the source flows on for the other nodes instead of waiting for this one to drain.
 */
async function loadThrough(source: Readable, filter: TarFilter, engine: CopyEngine): Promise<void> {
  const load = pipeArgv(swarmArgv.load(engine), { env: engine.env });
  source.pipe(filter).pipe(load.stdin);
  filter.on("error", () => load.kill());
  const loaded = await load.ended;
  if (loaded.exitCode !== 0 || filter.errored) {
    source.unpipe(filter);
    filter.destroy();
    throw (filter.errored as Error | null) ?? failure("docker load", loaded);
  }
}
