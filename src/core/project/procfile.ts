import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A Heroku Procfile: `name: command` lines; comments (#) and blank lines ignored. A line that is
 * not of that form, an empty command or a second line for the same name is a problem with its
 * line number, and is left out: the rest of the file still counts.
 */

export const PROCFILE = "Procfile";

export interface ProcfileEntry {
  /** The process type as written ("web", "worker", "release"). */
  name: string;
  command: string;
  /** 1-based line number in the Procfile. */
  line: number;
}

export interface ProcfileProblem {
  line: number;
  message: string;
}

export interface Procfile {
  entries: ProcfileEntry[];
  problems: ProcfileProblem[];
}

/** Heroku's (and foreman's) process type: letters, digits, _ and -. */
const ENTRY = /^([A-Za-z0-9_-]+)[ \t]*:(.*)$/;

export function parseProcfile(text: string): Procfile {
  const entries: ProcfileEntry[] = [];
  const problems: ProcfileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith("#")) return;
    const m = ENTRY.exec(trimmed);
    if (!m) {
      // The line itself is not repeated: it could be a secret pasted in the wrong file.
      problems.push({ line, message: "it is not `name: command` (a name of letters, digits, _ and -, then a colon)" });
      return;
    }
    const name = m[1]!;
    const command = m[2]!.trim();
    if (!command) {
      problems.push({ line, message: `\`${name}\` has no command` });
      return;
    }
    const first = entries.find((e) => e.name === name);
    if (first) {
      problems.push({ line, message: `a second \`${name}\` line (line ${first.line}'s is kept)` });
      return;
    }
    entries.push({ name, command, line });
  });
  return { entries, problems };
}

/** The project's Procfile, parsed; null when it has none. */
export function readProcfile(dir: string): Procfile | null {
  const file = join(dir, PROCFILE);
  return existsSync(file) ? parseProcfile(readFileSync(file, "utf8")) : null;
}

/** How a problem is told to the user: "Procfile line 3 ignored: ...". */
export function procfileProblemNote(problem: ProcfileProblem): string {
  return `${PROCFILE} line ${problem.line} ignored: ${problem.message}`;
}

