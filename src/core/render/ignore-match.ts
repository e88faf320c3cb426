/**
 * Docker's .dockerignore matching (moby/patternmatcher), for deciding which of the project's
 * patterns the nginx image can take. Patterns are read in order and the last one that matches a
 * path, or one of its parent folders, wins; "!" re-includes.
 */

const cache = new Map<string, RegExp>();

/** A pattern (without "!") as Docker compiles it: "*" and "?" stop at "/", "**" crosses folders. */
function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        out += i + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else {
        out += "[^/]*";
      }
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "\\" && i + 1 < pattern.length) {
      out += `\\${pattern[++i]}`;
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        out += `[${pattern.slice(i + 1, end)}]`; // as Docker: a regexp class ([^…] negates)
        i = end;
      }
    } else {
      out += /[.+()|{}$^\]]/.test(ch) ? `\\${ch}` : ch;
    }
  }
  try {
    re = new RegExp(out + "$");
  } catch {
    re = /(?!)/; // a pattern Docker itself would refuse at build time: it matches nothing here
  }
  cache.set(pattern, re);
  return re;
}

/** True when the pattern matches the path itself or one of its parent folders. */
export function matchesPathOrParent(pattern: string, path: string): boolean {
  const re = compile(pattern);
  if (re.test(path)) return true;
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) if (re.test(parts.slice(0, i).join("/"))) return true;
  return false;
}

/** Whether a build context that reads these patterns leaves the path out. */
export function isIgnored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  for (const p of patterns) {
    const exclusion = p.startsWith("!");
    if (exclusion !== ignored) continue;
    if (matchesPathOrParent(exclusion ? p.slice(1) : p, path)) ignored = !exclusion;
  }
  return ignored;
}
