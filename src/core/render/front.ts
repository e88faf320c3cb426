import type { ProjectConfig } from "../project/model.js";
import type { Target } from "./target.js";
import { renderFragment, renderTemplate } from "./templates.js";

/**
 * The app's front (production only): an nginx that alone publishes the app's port and proxies to
 * the app's own nginx over the edge network. Nothing in it comes from fdock.yaml but the base
 * image, so compose never recreates it on a redeploy; a later shared per-engine edge grows from it.
 */

/** The front's nginx.conf: published, it says who the client is; behind the edge, the edge has said it. */
export function renderFrontConf(target: Target): string {
  const headers = target.edge ? "images/front/client-headers-edge.conf.tmpl" : "images/front/client-headers-published.conf.tmpl";
  return renderTemplate("images/front/nginx.conf.tmpl", { client_headers: renderFragment(headers) });
}

export function renderFrontDockerfile(config: ProjectConfig): string {
  return renderTemplate("images/front/Dockerfile.tmpl", { nginx_image: config.images.nginx });
}

/** The front's build context is the bundle folder; it needs only its two files. */
export function renderFrontDockerignore(): string {
  return renderTemplate("images/front/dockerignore.tmpl");
}

/** The front's upstream servers (FRONT_UPSTREAM_FILE): the app nginx by service name, or one nginx container by name. */
export function renderFrontUpstream(host = "nginx"): string {
  return renderTemplate("images/front/upstream.conf.tmpl", { host });
}
