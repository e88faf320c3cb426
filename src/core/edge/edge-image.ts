import type Docker from "dockerode";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { UserError } from "../errors.js";
import { EDGE_EXECUTABLES, renderEdgeImageFiles } from "../render/edge-image.js";
import { EDGE_IMAGE_REPO } from "../render/edge-layout.js";
import { tarOf } from "./tar.js";

/** The label on everything fdock makes for the edge (its image, container, network). */
export const EDGE_LABEL = "dev.fdock.edge";

/**
 * The edge image's tag: the repository and a digest of its build context (the nginx image's name
 * included), so a change to any of its files is a new image and an unchanged edge is left alone.
 */
export function edgeImageTag(nginxImage: string, repo: string = EDGE_IMAGE_REPO): string {
  const files = renderEdgeImageFiles(nginxImage);
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]}\0`);
  return `${repo}:${hash.digest("hex").slice(0, 12)}`;
}

/**
 * Builds the edge image on the engine (its context sent through the engine API) unless an image
 * with its tag is there. The build installs Debian's lego: the engine must reach Debian's archive.
 */
export async function ensureEdgeImage(docker: Docker, nginxImage: string, repo: string = EDGE_IMAGE_REPO): Promise<string> {
  const tag = edgeImageTag(nginxImage, repo);
  if (await docker.getImage(tag).inspect().then(() => true, () => false)) return tag;
  const files = renderEdgeImageFiles(nginxImage);
  const context = tarOf(Object.entries(files).map(([name, content]) => ({ name, content, mode: EDGE_EXECUTABLES.has(name) ? 0o755 : 0o644 })));
  const log: string[] = [];
  let failure: string | undefined;
  try {
    const stream = await docker.buildImage(Readable.from([context]), { t: tag, labels: { [EDGE_LABEL]: "image" }, rm: true, forcerm: true });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()), (event: { stream?: string; error?: string }) => {
        if (event.stream) log.push(...event.stream.split("\n").filter(Boolean));
        if (event.error) failure = event.error;
      });
    });
  } catch (e) {
    failure ??= (e as Error).message;
  }
  if (failure !== undefined) {
    throw new UserError(
      `Could not build the edge image ${tag} from ${nginxImage}: ${failure.trim()}`,
      `The build installs Debian's lego package: the engine must reach Debian's archive (apt), and ${nginxImage} must be a Debian-based nginx image (as nginx:stable is).`,
      log.slice(-20).join("\n"),
    );
  }
  return tag;
}
