import { RESERVED_PROCESS_NAMES, type ServiceKind } from "./model.js";
import { procfileProblemNote, type Procfile, type ProcfileEntry } from "./procfile.js";
import { simpleCommands } from "./shell-words.js";
import type { Hint } from "./source-hints.js";

/**
 * What a Procfile's lines become in fdock.yaml: `web` is checked against the app (web-app.ts),
 * `release` is the release command, a line that runs redis-server or postgres is that service,
 * every other line a process, its name made one fdock takes (lower-case letters, digits, -;
 * not one of fdock's own container names).
 */

export interface ProcfileProcess {
  name: string;
  command: string;
  line: number;
  /** The program it runs ("celery", "rq"), so the detected worker can yield to it. */
  program: string;
  /** Why its name is not the Procfile's, when it is not. */
  renamed: string | null;
}

export interface ProcfilePlan {
  web?: ProcfileEntry;
  release?: ProcfileEntry;
  processes: ProcfileProcess[];
  /** Services the Procfile runs as processes, for the service rules (detect-services.ts). */
  hints: Hint[];
  /** The lines left out, with their line numbers. */
  problems: string[];
}

const SERVICE_PROGRAMS: Record<string, ServiceKind> = { "redis-server": "redis", postgres: "postgres", postmaster: "postgres", pg_ctl: "postgres" };
const MAX_NAME = 40;
const RESERVED_SUFFIX = "-process";

export function procfilePlan(procfile: Procfile): ProcfilePlan {
  const plan: ProcfilePlan = { processes: [], hints: [], problems: procfile.problems.map(procfileProblemNote) };
  const used = new Set<string>();
  for (const entry of procfile.entries) {
    if (entry.name === "web") {
      plan.web = entry;
      continue;
    }
    if (entry.name === "release") {
      plan.release = entry;
      continue;
    }
    const program = simpleCommands(entry.command)[0]?.program ?? "";
    const service = SERVICE_PROGRAMS[program];
    if (service) {
      plan.hints.push({ kind: service, file: "Procfile", what: `the \`${entry.name}\` line (line ${entry.line}: ${program}, run as a service, not a process)` });
      continue;
    }
    const { name, why } = processName(entry.name, used);
    used.add(name);
    plan.processes.push({ name, command: entry.command, line: entry.line, program, renamed: why });
  }
  return plan;
}

/** A name fdock.yaml's processes take, from a Procfile's; why says what changed, if anything did. */
export function processName(original: string, used: Set<string> = new Set()): { name: string; why: string | null } {
  let name = original.toLowerCase().replace(/_/g, "-").replace(/^[^a-z]+/, "").slice(0, MAX_NAME);
  let why = name === original ? null : `\`${original}\` is not a process name fdock takes (lower-case letters, digits and -, starting with a letter)`;
  if (!name) name = "process";
  if ((RESERVED_PROCESS_NAMES as readonly string[]).includes(name)) {
    why = `\`${name}\` is the name of a container fdock runs itself`;
    name = `${name}${RESERVED_SUFFIX}`;
  }
  if (used.has(name)) {
    const base = name.slice(0, MAX_NAME - 3);
    let n = 2;
    while (used.has(`${base}-${n}`)) n++;
    why = `${why ? `${why}, and ` : ""}\`${name}\` is taken by another line`;
    name = `${base}-${n}`;
  }
  return { name, why };
}
