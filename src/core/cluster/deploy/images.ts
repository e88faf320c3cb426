/**
 * The cluster's images without a registry: built once on the manager, tagged by content (their
 * image ID), then copied to every other node that lacks that exact image, streamed from the
 * manager's engine (`docker save`) into the node's (`docker load`) through this computer.
 */
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import { imageRepo } from "../../render/layout.js";
import type { RemoteEngine } from "../../machine/remote.js";

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

/** What copying did on one node: images copied and their bytes, or already there. */
export interface NodeCopy {
  machine: string;
  copied: string[];
  bytes: number;
}

/** The image's ID on a node, undefined when it has no image by that reference. */
async function idOn(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return ((await docker.getImage(ref).inspect()) as { Id: string }).Id;
  } catch {
    return undefined;
  }
}

/** Streams one image from the manager into a node's engine; the bytes that went through. */
async function copyImage(from: Docker, to: RemoteEngine, ref: string): Promise<number> {
  const saved = (await from.getImage(ref).get()) as NodeJS.ReadableStream;
  let bytes = 0;
  const counted = new PassThrough();
  counted.on("data", (chunk: Buffer) => (bytes += chunk.length));
  saved.on("error", (e: Error) => counted.destroy(e));
  saved.pipe(counted);
  const response = await to.docker.loadImage(counted);
  await new Promise<void>((resolve, reject) => {
    to.docker.modem.followProgress(response, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
  return bytes;
}

/**
 * Each node gets the images it lacks (by ID), all nodes at once. A node that cannot take an image
 * (no space, engine error) stops the deploy before the stack changes, naming it.
 */
export async function distributeImages(manager: Docker, nodes: RemoteEngine[], images: BuiltImage[]): Promise<NodeCopy[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const copy: NodeCopy = { machine: node.name, copied: [], bytes: 0 };
      for (const image of images) {
        if ((await idOn(node.docker, image.ref)) === image.id) continue;
        try {
          copy.bytes += await copyImage(manager, node, image.ref);
        } catch (e) {
          throw new UserError(
            `Copying image ${image.ref} to machine "${node.name}" failed: ${(e as Error).message.trim()}`,
            /no space/i.test((e as Error).message) ? `Free space on ${node.name} (\`fdock machine ssh ${node.name} -- docker system df\`), then run the command again.` : "Nothing was changed on the cluster: the running version still serves. Run the command again.",
          );
        }
        if ((await idOn(node.docker, image.ref)) !== image.id) throw new UserError(`Machine "${node.name}" did not keep image ${image.ref} after loading it.`, "Run the command again; `fdock machine ssh NODE -- docker images` shows what it has.");
        copy.copied.push(image.ref);
      }
      return copy;
    }),
  );
}
