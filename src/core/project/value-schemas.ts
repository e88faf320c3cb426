/**
 * Schemas for fdock.yaml values that end up in generated files: nginx's config, the Dockerfiles
 * (an ARG line, a RUN mkdir line) and the compose file. Each allows only what its target reads
 * as one plain token, so no value can add a line, an instruction or a directive.
 */
import { posix } from "node:path";
import { z } from "zod";

/** One path segment: letters, digits and . _ - @ + (no spaces, quotes, $ or control characters). */
const PATH_CHARS = /^[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+-]+)*\/?$/;

const PATH_RULE = 'must be a path inside the project: relative, letters, digits and . _ - @ + / only, no ".."';

/** A path inside the project (a file or folder below it, never the project folder itself). */
export const projectPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && PATH_CHARS.test(p) && !p.split("/").includes(".."), PATH_RULE)
  .refine((p) => posix.normalize(p) !== "." && posix.normalize(p) !== "./", 'must be a path inside the project, not the project folder itself (".")');

/** One DNS label: letters, digits and dashes, not starting or ending with a dash, at most 63. */
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** A server name for nginx's server_name: a host name, optionally starting with "*.". */
export const serverName = z
  .string()
  .max(253)
  .regex(HOST_NAME, 'must be a host name like example.com or *.example.com (letters, digits, dashes and dots)');

/** A URL path below "/" (the static URL): "/" itself would hide the app behind the static folder. */
export const urlPrefix = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)+\/?$/, 'must be a URL path below "/", like /static (letters, digits and . _ ~ - between slashes)')
  .refine((u) => !u.split("/").some((s) => s === "." || s === ".."), 'must not have "." or ".." segments');

// Docker's image reference grammar (github.com/distribution/reference), anchored.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const IMAGE_REF = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export const IMAGE_RULE = 'must be an image reference like python:3.12-slim or registry.example.com/team/python:3.12 (lower-case name, optional :tag and @sha256:digest)';

export function isImageReference(ref: string): boolean {
  return ref.length <= 255 && IMAGE_REF.test(ref);
}

/** A base image, as Docker's FROM (through an ARG) takes it. */
export const imageReference = z.string().refine(isImageReference, IMAGE_RULE);
