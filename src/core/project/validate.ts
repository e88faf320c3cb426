import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { checkTls } from "./tls.js";
import { CONFIG_FILE, projectSchema, SERVICE_KINDS, type ProjectConfig } from "./model.js";

/** Validates raw config; a failure names every wrong key and what is allowed. */
export function validateConfig(raw: unknown, file = CONFIG_FILE): ProjectConfig {
  const result = projectSchema.safeParse(raw ?? {});
  if (result.success) {
    const tls = checkTls(result.data);
    if (tls) throw new ConfigError(`${file} is invalid:\n  ${tls}`, `Fix ${file} (see README, "HTTPS").`);
    return result.data;
  }
  const lines = result.error.issues.map((i) => `  ${describePath(i.path)}: ${describeIssue(i)}`);
  throw new ConfigError(`${file} is invalid:\n${lines.join("\n")}`, `Fix ${file} (see README, "Configuration"), or run \`fdock init --force\` to write a new one.`);
}

function describePath(path: PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      if (issue.path.length === 1 && issue.path[0] === "services") {
        return `unknown service${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (fdock knows ${Object.keys(SERVICE_KINDS).join(", ")})`;
      }
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_type":
      return `must be ${issue.expected}`;
    case "too_small":
      // A schema's own words (".min(1, 'must be a command')") say more than the bound.
      if (!/^Too small/.test(issue.message)) return issue.message;
      return `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}`;
    case "invalid_union":
      return 'must be "auto" or a whole number';
    case "invalid_key":
      // A record's key (a process name): say what is wrong with the name itself.
      return issue.issues.map((i) => describeIssue(i)).join("; ");
    default:
      return issue.message;
  }
}
