/**
 * The import graph of src/, read from the source text: which file imports which, and how
 * (a value import loads the module when the importer loads; a type import loads nothing; a
 * dynamic `import()` loads it when that line runs).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export type ImportKind = "static" | "type" | "dynamic";
export interface Import {
  /** A file under src/ (relative to the repository, .ts) or a package name. */
  target: string;
  kind: ImportKind;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** A specifier resolved to a repository-relative .ts path, or the package it names. */
function resolveSpecifier(root: string, file: string, spec: string): string {
  if (!spec.startsWith(".")) return spec.startsWith("node:") ? spec : spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
  return relative(root, resolve(dirname(join(root, file)), spec)).replace(/\.js$/, ".ts");
}

export function importsOf(root: string, file: string): Import[] {
  const text = readFileSync(join(root, file), "utf8");
  const found: Import[] = [];
  for (const m of text.matchAll(STATIC)) {
    // `import { type A, type B } from` loads nothing either; `import { a, type B }` does.
    const clause = m[0];
    const typeOnly = Boolean(m[2]) || (/\{([^}]*)\}/.test(clause) && /^\s*(import|export)\s+\{/.test(clause) && /\{([^}]*)\}/.exec(clause)![1]!.split(",").every((s) => !s.trim() || s.trim().startsWith("type ")));
    found.push({ target: resolveSpecifier(root, file, m[3]!), kind: typeOnly ? "type" : "static" });
  }
  for (const m of text.matchAll(DYNAMIC)) found.push({ target: resolveSpecifier(root, file, m[1]!), kind: "dynamic" });
  return found;
}

/** Every file under src/ with its imports. */
export function importGraph(root: string): Map<string, Import[]> {
  const graph = new Map<string, Import[]>();
  for (const path of sourceFiles(join(root, "src"))) {
    const file = relative(root, path);
    graph.set(file, importsOf(root, file));
  }
  return graph;
}

/** The import circles among files (every kind of import counts), each as the list of files around it. */
export function cycles(graph: Map<string, Import[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const { target } of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (state.get(target) === "open") found.push([...stack.slice(stack.indexOf(target)), target]);
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** What loading `entry` loads at once: the files and packages reached through value imports. */
export function loadedAtStart(graph: Map<string, Import[]>, entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of graph.get(file) ?? []) if (i.kind === "static") walk(i.target);
  };
  walk(entry);
  return seen;
}
