/**
 * The cluster's images without a registry: built once on the manager, tagged by content (their
 * image ID), then copied to every other node that lacks that exact image, streamed from the
 * manager's engine (`docker save`) into the node's (`docker load`) through this computer, each
 * node sent only the layers it does not have yet.
 */
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import { imageRepo } from "../../render/layout.js";
import { classicImageStore, layersOnNode, sendImage, type CopyEngine, type Sent } from "./layer-copy.js";
import { entriesToSkip, layerEntry } from "./layer-prefix.js";

export type ClusterImage = "gunicorn" | "nginx";

/** An image every node gets: its exact reference (repository:content tag) and ID. */
export interface BuiltImage {
  ref: string;
  id: string;
}

/** The content tag of an image: the first 12 hex digits of its ID (what `docker images` shows). */
export function contentTag(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** Tags the images compose built (`:latest`) by their content on the manager; returns their exact references. */
export async function tagByContent(docker: Docker, project: string): Promise<Record<ClusterImage, BuiltImage>> {
  const out = {} as Record<ClusterImage, BuiltImage>;
  for (const service of ["gunicorn", "nginx"] as const) {
    const repo = imageRepo(project, service);
    const { Id } = (await docker.getImage(`${repo}:latest`).inspect()) as { Id: string };
    const tag = contentTag(Id);
    await docker.getImage(Id).tag({ repo, tag });
    out[service] = { ref: `${repo}:${tag}`, id: Id };
  }
  return out;
}

/** What one node got of one image. */
export interface ImageCopy {
  ref: string;
  /** Layers in the image, and how many of their files the node was sent (the rest it had). */
  layers: number;
  sentLayers: number;
  /** Bytes sent, and bytes of layer files left out because the node had them. */
  bytes: number;
  alreadyBytes: number;
  /** Why the whole image was sent where less would have done. */
  note?: string;
}

/** What copying did on one node: images copied and their bytes, or already there. */
export interface NodeCopy {
  machine: string;
  copied: string[];
  bytes: number;
  images: ImageCopy[];
}

/** A node to copy to: its machine name and engine. */
export interface CopyTarget extends CopyEngine {
  name: string;
}

/**
 * Whether a node has the image under its reference. A classic store gives it the manager's ID;
 * the containerd image store names a loaded image by a manifest digest instead, so there the
 * same layers under the same content tag (the manager's ID) stand for it.
 */
async function hasImage(docker: Docker, ref: string, image: BuiltImage, layers: string[], classic: boolean): Promise<boolean> {
  try {
    const found = (await docker.getImage(ref).inspect()) as { Id: string; RootFS?: { Layers?: string[] } };
    if (classic) return found.Id === image.id;
    return found.Id === image.id || JSON.stringify(found.RootFS?.Layers ?? []) === JSON.stringify(layers);
  } catch {
    return false;
  }
}

function copyFailed(node: string, ref: string, e: Error): UserError {
  return new UserError(
    `Copying image ${ref} to machine "${node}" failed: ${e.message.trim()}`,
    /no space/i.test(e.message) ? `Free space on ${node} (\`fdock machine ssh ${node} -- docker system df\`), then run the command again.` : "Nothing was changed on the cluster: the running version still serves. Run the command again.",
  );
}

/**
 * Each node gets the images it lacks (by ID), all nodes at once from one `docker save` per
 * image, each sent only the layers it lacks (see layer-prefix.ts), filtered on the manager when
 * `helper` (the new gunicorn image, which has Python) is given; when a node refuses an archive
 * without some layers, it is sent the whole image. A node that cannot take an image (no space,
 * engine error) stops the deploy before the stack changes, naming it.
 */
export async function distributeImages(manager: CopyEngine, nodes: CopyTarget[], images: BuiltImage[], deps = { layersOnNode }, helper?: string): Promise<NodeCopy[]> {
  const copies: NodeCopy[] = nodes.map((n) => ({ machine: n.name, copied: [], bytes: 0, images: [] }));
  if (!nodes.length) return copies;
  const [managerClassic, ...nodesClassic] = await Promise.all([manager, ...nodes].map((e) => classicImageStore(e.docker)));
  for (const image of images) {
    const layers = ((await manager.docker.getImage(image.ref).inspect()) as { RootFS?: { Layers?: string[] } }).RootFS?.Layers ?? [];
    const repo = image.ref.slice(0, image.ref.lastIndexOf(":"));
    const plans = (
      await Promise.all(
        nodes.map(async (node, i) => {
          if (await hasImage(node.docker, image.ref, image, layers, nodesClassic[i]!)) return undefined;
          const note = !managerClassic ? "the manager's engine uses the containerd image store" : !nodesClassic[i] ? `${node.name}'s engine uses the containerd image store` : undefined;
          const prefix = note ? 0 : await deps.layersOnNode(node.docker, repo, layers);
          return { i, node, skip: entriesToSkip(layers, prefix), note };
        }),
      )
    ).filter((p) => p !== undefined);
    if (!plans.length) continue;
    const sent = await sendImage(manager, image.ref, layers, plans.map((p) => ({ engine: p.node, skip: p.skip })), helper);
    await Promise.all(
      plans.map(async (p, k) => {
        let result = sent[k]!;
        let note = p.note;
        if (result.status === "rejected" && p.skip.size && !/no space/i.test((result.reason as Error).message)) {
          note = `it refused the archive without the layers it seemed to have (${firstLine((result.reason as Error).message)}): the whole image was sent`;
          [result] = (await sendImage(manager, image.ref, layers, [{ engine: p.node, skip: new Set() }])) as [PromiseSettledResult<Sent>];
        }
        if (result.status === "rejected") throw copyFailed(p.node.name, image.ref, result.reason as Error);
        if (!(await hasImage(p.node.docker, image.ref, image, layers, nodesClassic[p.i]!))) throw new UserError(`Machine "${p.node.name}" did not keep image ${image.ref} after loading it.`, "Run the command again; `fdock machine ssh NODE -- docker images` shows what it has.");
        const { bytes, skipped, layoutProblem } = result.value;
        const left = new Set(skipped.map((e) => e.name));
        if (p.skip.size && left.size < p.skip.size && !note) note = `${layoutProblem ?? "the archive was not laid out as expected"}: the layers it has were sent too`;
        const copy = copies[p.i]!;
        copy.copied.push(image.ref);
        copy.bytes += bytes;
        copy.images.push({ ref: image.ref, layers: layers.length, sentLayers: layers.filter((l) => !left.has(layerEntry(l))).length, bytes, alreadyBytes: skipped.reduce((n, e) => n + e.size, 0), note });
      }),
    );
  }
  return copies;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]!.slice(0, 200);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * The deploy's line for one node: "m2: copied REF, REF (2 of 11 layers sent, 3.2 MB; 140.1 MB
 * already there)", with why a whole image was sent where less would have done.
 */
export function copyLine(c: NodeCopy): string {
  if (!c.copied.length) return `${c.machine}: has the images already`;
  const layers = c.images.reduce((n, i) => n + i.layers, 0);
  const sent = c.images.reduce((n, i) => n + i.sentLayers, 0);
  const already = c.images.reduce((n, i) => n + i.alreadyBytes, 0);
  const notes = c.images.filter((i) => i.note).map((i) => `; all of ${i.ref}: ${i.note}`);
  return `${c.machine}: copied ${c.copied.join(", ")} (${sent} of ${layers} layers sent, ${mb(c.bytes)}${already ? `; ${mb(already)} already there` : ""}${notes.join("")})`;
}
