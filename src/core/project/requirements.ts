import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RequirementsSource } from "./model.js";

/** PEP 503 normalised name of a requirement line or spec ("Flask>=2.2" -> "flask"). */
export function requirementName(spec: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec);
  return m?.[1] ? m[1].toLowerCase().replace(/[-_.]+/g, "-") : null;
}

export function parseRequirementsTxt(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (!line || line.startsWith("#") || line.startsWith("-")) continue;
    const name = requirementName(line);
    if (name) names.push(name);
  }
  return names;
}

/** The [project].dependencies array of a pyproject.toml (PEP 621), as spec strings. */
export function parsePyprojectDependencies(text: string): string[] {
  const section = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text);
  if (!section?.[1]) return [];
  const deps = /^dependencies\s*=\s*\[([\s\S]*?)\]/m.exec(section[1]);
  if (!deps?.[1]) return [];
  return [...deps[1].matchAll(/"([^"]+)"|'([^']+)'/g)].map((m) => (m[1] ?? m[2] ?? "").trim()).filter(Boolean);
}

/** What the project declares it needs: requirements.txt first, else pyproject.toml. */
export function readRequirements(dir: string): RequirementsSource {
  const txt = join(dir, "requirements.txt");
  if (existsSync(txt)) {
    return { kind: "requirements.txt", path: "requirements.txt", names: parseRequirementsTxt(readFileSync(txt, "utf8")) };
  }
  const pyproject = join(dir, "pyproject.toml");
  if (existsSync(pyproject)) {
    const specs = parsePyprojectDependencies(readFileSync(pyproject, "utf8"));
    return { kind: "pyproject", path: "pyproject.toml", specs, names: specs.map(requirementName).filter((n): n is string => !!n) };
  }
  return { kind: "none", names: [] as string[] };
}

/** The extras a spec asks for: "celery[redis,sqs]>=5" -> ["redis", "sqs"]. */
export function requirementExtras(spec: string): string[] {
  const m = /^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*\[([^\]]*)\]/.exec(spec);
  return m?.[1] ? m[1].split(",").map((e) => e.trim().toLowerCase()).filter(Boolean) : [];
}

/** Each requirement's extras by its normalised name ("celery" -> ["redis"]), from the same file readRequirements reads. */
export function readRequirementExtras(dir: string): Record<string, string[]> {
  const txt = join(dir, "requirements.txt");
  const pyproject = join(dir, "pyproject.toml");
  const specs = existsSync(txt)
    ? readFileSync(txt, "utf8").split(/\r?\n/).map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l && !/^[#-]/.test(l))
    : existsSync(pyproject)
      ? parsePyprojectDependencies(readFileSync(pyproject, "utf8"))
      : [];
  const extras: Record<string, string[]> = {};
  for (const spec of specs) {
    const name = requirementName(spec);
    if (name) extras[name] = [...(extras[name] ?? []), ...requirementExtras(spec)];
  }
  return extras;
}
