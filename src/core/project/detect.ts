import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** One place a WSGI app could come from, with how sure fdock is of it. */
export interface AppCandidate {
  /** The gunicorn target: "main:app" or "flask_blog:create_app()". */
  target: string;
  /** Relative file it was found in. */
  file: string;
  /** Lower is better: a wsgi module's app, then an app object, then a factory. */
  rank: number;
  reason: string;
}

export interface Detection {
  candidates: AppCandidate[];
  /** Files that were read, for the "nothing found" message. */
  searched: string[];
}

/** Folders that hold no app code (virtualenvs, tests, migrations, build output). */
export const SKIP_DIRS = new Set([".git", ".venv", "venv", "env", "node_modules", "__pycache__", "tests", "test", "migrations", ".fdock", "instance", "docs", "build", "dist"]);
const SKIP_FILES = new Set(["setup.py", "conftest.py", "noxfile.py", "fabfile.py"]);

/** Python modules at the top level and one package level down, as [module name, file]. */
function pythonModules(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const roots = [dir, ...(existsSync(join(dir, "src")) ? [join(dir, "src")] : [])];
  for (const root of roots) {
    for (const entry of readdirSync(root).sort()) {
      if (entry.startsWith(".") || SKIP_DIRS.has(entry)) continue;
      const path = join(root, entry);
      if (entry.endsWith(".py") && !SKIP_FILES.has(entry) && !entry.startsWith("test_") && statSync(path).isFile()) {
        out.push([entry.slice(0, -3), path]);
      } else if (/^[A-Za-z_]\w*$/.test(entry) && existsSync(join(path, "__init__.py"))) {
        out.push([entry, join(path, "__init__.py")]);
        for (const sub of ["wsgi.py", "app.py", "main.py", "application.py", "server.py"]) {
          if (existsSync(join(path, sub))) out.push([`${entry}.${sub.slice(0, -3)}`, join(path, sub)]);
        }
      }
    }
  }
  return out;
}

const FLASK_OBJECT = /^([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?=\s*(?:flask\.)?Flask\s*\(/gm;
const WSGI_NAME = /^(application|app)\s*(?::\s*[\w.]+\s*)?=\s*[A-Za-z_][\w.]*\s*\(/gm;
const FACTORY = /^def\s+(create_app|make_app|app_factory)\s*\(([^)]*)\)/gm;

/** Finds module-level WSGI apps and app factories in the project's Python files. */
export function detectApps(dir: string): Detection {
  const candidates: AppCandidate[] = [];
  const searched: string[] = [];
  for (const [module, file] of pythonModules(dir)) {
    const rel = relative(dir, file);
    searched.push(rel);
    const text = readFileSync(file, "utf8");
    const isWsgiModule = /(^|\.)wsgi$/.test(module);
    const seen = new Set<string>();
    const add = (name: string, rank: number, reason: string, call = false) => {
      const target = `${module}:${name}${call ? "()" : ""}`;
      if (seen.has(target)) return;
      seen.add(target);
      candidates.push({ target, file: rel, rank: isWsgiModule ? 0 : rank, reason });
    };
    for (const m of text.matchAll(FLASK_OBJECT)) add(m[1]!, 1, "a Flask app object");
    for (const m of text.matchAll(WSGI_NAME)) add(m[1]!, 1, "a module-level WSGI app");
    for (const m of text.matchAll(FACTORY)) {
      if (factoryTakesNoRequiredArgs(m[2] ?? "")) add(m[1]!, 2, "an app factory", true);
    }
  }
  candidates.sort((a, b) => a.rank - b.rank || a.target.localeCompare(b.target));
  return { candidates, searched };
}

function factoryTakesNoRequiredArgs(params: string): boolean {
  return params
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p && p !== "*" && !p.startsWith("*"))
    .every((p) => p.includes("="));
}

/** The one candidate to use without asking, if the best rank has exactly one. */
export function pickApp(detection: Detection): AppCandidate | null {
  const [first, second] = detection.candidates;
  if (!first) return null;
  if (second && second.rank === first.rank) return null;
  return first;
}

/** Static folder next to the app: "pkg/static" or "static". */
export function detectStaticFolder(dir: string, target: string): string | null {
  const pkg = target.split(":")[0]!.split(".")[0]!;
  for (const candidate of [join(pkg, "static"), join("src", pkg, "static"), "static"]) {
    const path = join(dir, candidate);
    if (existsSync(path) && statSync(path).isDirectory()) return candidate;
  }
  return null;
}

/** Folders whose data should outlive a redeploy: Flask's instance folder when the app uses it. */
export function detectPersistentPaths(dir: string, files: string[]): string[] {
  for (const rel of files) {
    const pkgDir = join(dir, rel, "..");
    const sources = [join(dir, rel), ...listPy(pkgDir)];
    if (sources.some((f) => /instance_path|sqlite/.test(readFileSync(f, "utf8")))) return ["instance"];
  }
  return [];
}

function listPy(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".py")).map((f) => join(dir, f));
}

/** The file of a module in the project ("pkg/__init__.py", "src/main.py"), or null. */
export function moduleFile(dir: string, module: string): string | null {
  const rel = module.replace(/\./g, "/");
  for (const root of ["", "src/"]) {
    for (const candidate of [`${root}${rel}.py`, `${root}${rel}/__init__.py`]) {
      if (existsSync(join(dir, candidate))) return candidate;
    }
  }
  return null;
}
