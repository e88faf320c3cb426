import { EDGE_LAYOUT_VALUES } from "./edge-layout.js";
import { renderAcmeChallengeLocation, renderEdgeSites } from "./edge-sites.js";
import { renderTemplate } from "./templates.js";

/**
 * The edge image's build context (images/edge/): a Dockerfile FROM the nginx image (a parameter,
 * as the app's nginx image) with Debian's lego and openssl added, its nginx.conf, an empty sites
 * file, and the scripts that run in it (entrypoint, graceful reload, certificates).
 */

export function renderEdgeNginxConf(): string {
  return renderTemplate("images/edge/nginx.conf.tmpl", { ...EDGE_LAYOUT_VALUES, acme_challenge_location: renderAcmeChallengeLocation() });
}

export function renderEdgeDockerfile(nginxImage: string): string {
  return renderTemplate("images/edge/Dockerfile.tmpl", { ...EDGE_LAYOUT_VALUES, nginx_image: nginxImage });
}

/** The image's files by name in its build context; executables are the three scripts. */
export function renderEdgeImageFiles(nginxImage: string): Record<string, string> {
  return {
    Dockerfile: renderEdgeDockerfile(nginxImage),
    ".dockerignore": renderTemplate("images/edge/dockerignore.tmpl"),
    "nginx.conf": renderEdgeNginxConf(),
    "sites.conf": renderEdgeSites([]),
    "fdock-edge-entrypoint": renderTemplate("images/edge/fdock-edge-entrypoint.tmpl", EDGE_LAYOUT_VALUES),
    "fdock-edge-reload": renderTemplate("images/edge/fdock-edge-reload.tmpl", EDGE_LAYOUT_VALUES),
    "fdock-certs": renderTemplate("images/edge/fdock-certs.tmpl", EDGE_LAYOUT_VALUES),
  };
}

/** The files of the build context that are programs (mode 0755 in the context). */
export const EDGE_EXECUTABLES: ReadonlySet<string> = new Set(["fdock-edge-entrypoint", "fdock-edge-reload", "fdock-certs"]);
