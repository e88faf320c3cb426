import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";

export const IGNORE_FILE = ".dockerignore";

/**
 * A .dockerignore's patterns as Docker reads them (moby/patternmatcher's ignorefile): comment
 * and blank lines dropped, spaces trimmed, paths cleaned, a leading "/" removed, "!" kept.
 */
export function parseIgnoreText(text: string): string[] {
  const patterns: string[] = [];
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern !== "") {
      pattern = posix.normalize(pattern).replace(/(.)\/+$/, "$1");
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

/** The project's own .dockerignore patterns, in order; none when it has no such file. */
export function readIgnoreFile(dir: string): string[] {
  const path = join(dir, IGNORE_FILE);
  return existsSync(path) ? parseIgnoreText(readFileSync(path, "utf8")) : [];
}
