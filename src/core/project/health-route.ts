import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** A health route found in the app's code. */
export interface HealthRoute {
  path: string;
  /** Relative file the route is declared in. */
  file: string;
}

/** The usual names of a health route, best first. */
export const HEALTH_PATHS = ["/healthz", "/health", "/up", "/ping", "/status", "/livez", "/readyz", "/healthcheck"];

const SKIP_DIRS = new Set([".git", ".venv", "venv", "env", "node_modules", "__pycache__", "tests", "test", "migrations", ".fdock", "instance", "docs", "build", "dist", "static", "templates"]);

/**
 * A route decorator answering GET: `@app.route("/healthz")`, `@bp.get('/health/')`,
 * `@api.route("/up", methods=["GET"])`. Captures the object and the path.
 */
const ROUTE = /^[ \t]*@\s*([A-Za-z_]\w*)\.(route|get)\(\s*[rbu]?["'](\/[^"'\s]*)["']([^)]*)\)/gm;

/** Python files of the project, up to three folders deep, as paths relative to dir. */
function pythonFiles(dir: string, sub = "", depth = 0): string[] {
  const out: string[] = [];
  const here = join(dir, sub);
  for (const entry of readdirSync(here).sort()) {
    if (entry.startsWith(".") || SKIP_DIRS.has(entry)) continue;
    const rel = sub ? `${sub}/${entry}` : entry;
    const stat = statSync(join(dir, rel), { throwIfNoEntry: false });
    if (stat?.isFile() && entry.endsWith(".py") && !entry.startsWith("test_")) out.push(rel);
    else if (stat?.isDirectory() && depth < 3) out.push(...pythonFiles(dir, rel, depth + 1));
  }
  return out;
}

/**
 * Routes a health check could ask, in the text of one Python file: GET routes whose path is one
 * of HEALTH_PATHS (a trailing slash kept as written). Pure, for tests.
 */
export function healthRoutesIn(text: string): Array<{ path: string; object: string }> {
  const found: Array<{ path: string; object: string }> = [];
  for (const m of text.matchAll(ROUTE)) {
    const [, object, verb, path, rest] = m as unknown as [string, string, string, string, string];
    if (verb === "route" && /methods\s*=/.test(rest) && !/["']GET["']/i.test(rest)) continue;
    if (HEALTH_PATHS.includes(path.replace(/\/$/, ""))) found.push({ path, object });
  }
  return found;
}

/**
 * The health route to propose in fdock.yaml, if the code has one. A route on a blueprint is left
 * out when the code gives blueprints a url_prefix: its real path is not what the decorator says.
 */
export function detectHealthRoute(dir: string): { route: HealthRoute | null; skipped: HealthRoute[] } {
  if (!existsSync(dir)) return { route: null, skipped: [] };
  const files = pythonFiles(dir).map((rel) => ({ rel, text: readFileSync(join(dir, rel), "utf8") }));
  const prefixed = files.some((f) => /\burl_prefix\s*=/.test(f.text));
  const usable: HealthRoute[] = [];
  const skipped: HealthRoute[] = [];
  for (const f of files) {
    const appObjects = new Set([...f.text.matchAll(/^([A-Za-z_]\w*)\s*=\s*(?:flask\.)?Flask\s*\(/gm)].map((m) => m[1]!));
    for (const r of healthRoutesIn(f.text)) {
      const route = { path: r.path, file: relative(dir, join(dir, f.rel)) };
      (prefixed && !appObjects.has(r.object) ? skipped : usable).push(route);
    }
  }
  const rank = (r: HealthRoute) => HEALTH_PATHS.indexOf(r.path.replace(/\/$/, ""));
  usable.sort((a, b) => rank(a) - rank(b));
  return { route: usable[0] ?? null, skipped };
}
