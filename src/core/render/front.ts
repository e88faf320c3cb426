import type { ProjectConfig } from "../project/model.js";
import { renderTemplate } from "./templates.js";

/**
 * The app's front (production only): an nginx that alone publishes the app's port and proxies to
 * the app's own nginx over the edge network. Nothing in it comes from fdock.yaml but the base
 * image, so compose never recreates it on a redeploy; a later shared per-engine edge grows from it.
 */

export function renderFrontConf(): string {
  return renderTemplate("images/front/nginx.conf.tmpl");
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
