import type Docker from "dockerode";
import { UserError } from "../errors.js";
import { EDGE_SITES_FILE, EDGE_STATE_DIR } from "../render/edge-layout.js";
import { tarOf } from "./tar.js";

/** The message of a sites file nginx refuses (shared by the reload and the check before a new container). */
export function refusedConfig(detail: string): UserError {
  return new UserError(
    "The edge's nginx refused its new configuration; it keeps serving the previous one.",
    "Read nginx's message below (a certificate file missing, a name it cannot use); nothing was changed.",
    detail.trim(),
  );
}

/**
 * Runs `nginx -t` on `sites` in a throwaway container of `image` with the state volume mounted
 * read-only (the certificates it names must be there), before a new edge container replaces a
 * running one: an edge that would not start never takes the old one's place.
 */
export async function checkSitesInImage(docker: Docker, image: string, volume: string, sites: string): Promise<void> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ["nginx", "-t", "-q"],
    Cmd: [],
    Tty: true, // one plain stream for the log
    Labels: { "dev.fdock.edge": "check" },
    HostConfig: { NetworkMode: "none", Mounts: [{ Type: "volume", Source: volume, Target: EDGE_STATE_DIR, ReadOnly: true }] },
  });
  try {
    const dir = EDGE_SITES_FILE.slice(0, EDGE_SITES_FILE.lastIndexOf("/"));
    await container.putArchive(tarOf([{ name: EDGE_SITES_FILE.slice(dir.length + 1), content: sites }]), { path: dir });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) throw refusedConfig(String(await container.logs({ stdout: true, stderr: true })));
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
