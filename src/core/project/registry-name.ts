/**
 * fdock.yaml's `registry`: where a cluster deploy pushes the images it built, instead of copying
 * them to the nodes. A registry host (with a dot, a port, or `localhost`: what Docker reads as a
 * host and not as a Docker Hub user) and a repository path, without a tag: fdock names the images
 * REGISTRY-gunicorn and REGISTRY-nginx and tags each by its content.
 */
import { z } from "zod";
import { isImageReference } from "./value-schemas.js";

/** The longest tag fdock adds (`-gunicorn:` and a 12-digit content tag) must still fit Docker's 255. */
const LONGEST_SUFFIX = "-gunicorn:0123456789ab";

export const REGISTRY_RULE =
  "must be a registry host and a repository path, like ghcr.io/me/app or registry.example.com:5000/team/app (lower-case path, no :tag or @digest: fdock tags each image by its content)";

/** The host (with its port) and the repository path of a registry value, or undefined when it is not one. */
export function splitRegistry(value: string): { host: string; path: string } | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const host = value.slice(0, slash);
  const path = value.slice(slash + 1);
  // A first part without a dot or a port is a Docker Hub user (me/app), not a host.
  if (!(host.includes(".") || host.includes(":") || host === "localhost")) return undefined;
  // No tag or digest: the last part may not have a ":" or "@" (a host's port is before the first "/").
  if (/[:@]/.test(path) || !path) return undefined;
  return isImageReference(value + LONGEST_SUFFIX) ? { host, path } : undefined;
}

/** The registry host a `docker login` names (ghcr.io, registry.example.com:5000). */
export function registryHost(value: string): string {
  return value.slice(0, value.indexOf("/"));
}

export const registryRepository = z.string().refine((v) => splitRegistry(v) !== undefined, REGISTRY_RULE);
