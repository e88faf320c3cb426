import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LAYOUT_VALUES } from "./layout.js";

/** The package root (holds images/ and compose/), from src/core/render or dist/core/render. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const cache = new Map<string, string>();

/** A template or static file shipped with fdock, by path from the package root. */
export function readAsset(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(PACKAGE_ROOT + path, "utf8");
    cache.set(path, text);
  }
  return text;
}

/**
 * Fills {{name}} placeholders. A line holding only a placeholder that fills to "" is dropped,
 * so optional blocks leave no blank lines. A placeholder without a value is a bug.
 */
export function fill(template: string, values: Record<string, string | number>): string {
  const valueOf = (key: string): string => {
    const value = values[key];
    if (value === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return String(value);
  };
  return template
    .replace(/^[ \t]*\{\{(\w+)\}\}[ \t]*\n/gm, (line, key: string) => {
      const value = valueOf(key);
      return value === "" ? "" : line.replace(`{{${key}}}`, value);
    })
    .replace(/\{\{(\w+)\}\}/g, (_, key: string) => valueOf(key));
}

/** A template shipped with fdock, filled with the layout (LAYOUT_VALUES) and `values`. */
export function renderTemplate(path: string, values: Record<string, string | number> = {}): string {
  return fill(readAsset(path), { ...LAYOUT_VALUES, ...values });
}

/**
 * A fragment template, for a placeholder alone on its line in another template: filled, without
 * the file's final newline (the placeholder's line ends it).
 */
export function renderFragment(path: string, values: Record<string, string | number> = {}): string {
  return renderTemplate(path, values).replace(/\n$/, "");
}
