/**
 * The two images' ignore files. Both images build from the project folder and BuildKit reads
 * <Dockerfile>.dockerignore beside each generated Dockerfile instead of the project's own
 * .dockerignore, so each file carries the project's patterns itself, between fdock's defaults
 * (which the project may override) and the paths that never go into an image (which come after,
 * so they win: the last matching pattern decides).
 */
import { posix } from "node:path";
import type { Project } from "../project/model.js";
import { matchesPathOrParent } from "./ignore-match.js";
import { readAsset, renderTemplate } from "./templates.js";

/** .env files, version control, virtualenvs, caches: excluded last, so no "!" re-includes them. */
export function neverPatterns(project: Project): string[] {
  const always = readAsset("images/never-in-images.dockerignore").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  const { env_file, persistent } = project.config;
  return [...always, ...(env_file ? [cleanPath(env_file)] : []), ...persistent.map(cleanPath), ...tlsFiles(project)];
}

/** The TLS files that sit inside the project (a private key above all): they go to the edge only. */
function tlsFiles(project: Project): string[] {
  const tls = project.config.tls;
  const paths = [tls?.key, tls?.certificate, tls?.acme_ca].filter((p): p is string => p !== undefined);
  return paths.filter((p) => !posix.isAbsolute(p) && !posix.normalize(p).startsWith("../")).map(cleanPath);
}

function cleanPath(path: string): string {
  return posix.normalize(path).replace(/\/+$/, "");
}

function projectSection(patterns: readonly string[]): string {
  return patterns.length ? ["# From the project's .dockerignore:", ...patterns].join("\n") : "# (the project has no .dockerignore)";
}

export function renderGunicornDockerignore(project: Project): string {
  const req = project.requirements;
  return renderTemplate("images/gunicorn/dockerignore.tmpl", {
    project_patterns: projectSection(project.ignorePatterns ?? []),
    never_patterns: neverPatterns(project).join("\n"),
    // The dependency file the Dockerfile copies, whatever the project's patterns said.
    needed_files: req.kind === "requirements.txt" ? `!${cleanPath(req.path)}` : "",
  });
}

/**
 * The nginx image: everything out but its config and the static folder. The project's patterns
 * apply inside the static folder (a secret listed there stays out), except a pattern that would
 * leave out the static folder as a whole ("*" in an allow-list style file), which nginx serves.
 */
export function renderNginxDockerignore(project: Project): string {
  const folder = project.config.static ? cleanPath(project.config.static.folder) : null;
  const patterns = (project.ignorePatterns ?? []).filter((p) => p.startsWith("!") || folder === null || !matchesPathOrParent(p, folder));
  return renderTemplate("images/nginx/dockerignore.tmpl", {
    static_folder: folder ? `!${folder}` : "",
    project_patterns: folder ? projectSection(patterns) : "",
    never_patterns: neverPatterns(project).join("\n"),
  });
}
