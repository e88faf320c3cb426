import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { SKIP_DIRS } from "./detect.js";

/**
 * What the project's code and config files say about its backing services: URLs naming
 * Postgres, Redis or an AMQP broker, Heroku add-ons in app.json, where a Celery app is made,
 * and whether the code reads DATABASE_URL / REDIS_URL. Only file names and URL schemes come
 * out of here, never a value (a URL in .env holds a password).
 */

export type HintKind = "postgres" | "redis" | "amqp";

export interface Hint {
  kind: HintKind;
  /** Relative file it is in. */
  file: string;
  /** What was seen, for a note: "a postgresql:// URL". */
  what: string;
}

export interface CeleryModule {
  module: string;
  file: string;
  /** Lower is surer: 0 a module-level Celery(...), 1 a module-level celery = ..., 2 a factory. */
  rank: number;
}

export interface SourceHints {
  hints: Hint[];
  celery: CeleryModule[];
  /** Environment variables the Python code names. */
  readsEnv: Set<string>;
}

const URLS: Array<[HintKind, RegExp]> = [
  ["postgres", /\b(postgres(?:ql)?(?:\+\w+)?):\/\//i],
  ["redis", /\b(rediss?):\/\//i],
  ["amqp", /\b((?:py)?amqps?):\/\//i],
];
const ADDONS: Array<[HintKind, RegExp]> = [
  ["postgres", /heroku-postgresql/],
  ["redis", /heroku-redis/],
];
const CELERY: Array<[number, RegExp]> = [
  [0, /^[A-Za-z_]\w*\s*(?::\s*[\w.]+\s*)?=\s*(?:celery\.)?Celery\s*\(/m],
  [1, /^(?:celery|celery_app)\s*(?::\s*[\w.]+\s*)?=/m],
  [2, /^def\s+make_celery\s*\(|^\s+\w+\s*=\s*(?:celery\.)?Celery\s*\(/m],
];
const ENV_NAMES = ["DATABASE_URL", "REDIS_URL"];

/** Config files read for URLs besides Python: dotenv files, ini/cfg/toml/yaml/json. */
const CONFIG_FILE = /^(\.env(\..+)?|\.flaskenv|.*\.(cfg|ini|toml|ya?ml|json|conf))$/;
/** Where the code is, not the project's settings: migrations, tests, the venv... (instance/ holds config: read). */
const SKIP = new Set([...SKIP_DIRS].filter((d) => d !== "instance"));
const MAX_DEPTH = 4;
const MAX_FILES = 2000;
const MAX_BYTES = 256 * 1024;

export function scanSources(dir: string): SourceHints {
  const out: SourceHints = { hints: [], celery: [], readsEnv: new Set() };
  for (const file of sourceFiles(dir)) {
    const rel = relative(dir, file);
    const text = readable(file);
    if (text === null) continue;
    for (const [kind, re] of URLS) {
      const m = re.exec(text);
      const scheme = m?.[1]?.toLowerCase();
      if (scheme) out.hints.push({ kind, file: rel, what: `${/^[aeiou]/.test(scheme) ? "an" : "a"} ${scheme}:// URL` });
    }
    if (rel === "app.json") {
      for (const [kind, re] of ADDONS) if (re.test(text)) out.hints.push({ kind, file: rel, what: `the ${re.source} add-on` });
    }
    if (!rel.endsWith(".py")) continue;
    for (const name of ENV_NAMES) if (text.includes(name)) out.readsEnv.add(name);
    const rank = CELERY.find(([, re]) => re.test(text))?.[0];
    const module = pythonModule(rel);
    if (rank !== undefined && module) out.celery.push({ module, file: rel, rank });
  }
  out.celery.sort((a, b) => a.rank - b.rank || a.module.length - b.module.length || a.module.localeCompare(b.module));
  return out;
}

/** A file's text; null when it cannot be read (a hint is not worth failing init for). */
function readable(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** Python and config files under dir, breadth first, skipping what is not the app's. */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  let level = [dir];
  for (let depth = 0; depth <= MAX_DEPTH && level.length && files.length < MAX_FILES; depth++) {
    const next: string[] = [];
    for (const folder of level) {
      for (const entry of entries(folder)) {
        const path = join(folder, entry);
        const stat = statSync(path, { throwIfNoEntry: false });
        if (!stat) continue;
        if (stat.isDirectory()) {
          if (!SKIP.has(entry) && !entry.startsWith(".")) next.push(path);
        } else if (stat.isFile() && stat.size <= MAX_BYTES && entry !== "fdock.yaml" && (entry.endsWith(".py") || CONFIG_FILE.test(entry))) {
          files.push(path);
        }
      }
    }
    level = next;
  }
  return files.slice(0, MAX_FILES);
}

/** A folder's entries, sorted; none when it cannot be read. */
function entries(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch {
    return [];
  }
}

/** "pkg/tasks.py" -> "pkg.tasks", "src/pkg/__init__.py" -> "pkg"; null when a part is not a name. */
export function pythonModule(rel: string): string | null {
  const parts = rel.replace(/^src\//, "").replace(/\.py$/, "").split("/");
  if (parts.at(-1) === "__init__") parts.pop();
  return parts.length && parts.every((p) => /^[A-Za-z_]\w*$/.test(p)) ? parts.join(".") : null;
}

/** True when dir has a folder of that name (migrations/). */
export function hasFolder(dir: string, name: string): boolean {
  const path = join(dir, name);
  return existsSync(path) && statSync(path).isDirectory();
}
