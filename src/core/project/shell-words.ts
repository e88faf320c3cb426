/**
 * Reading a Procfile command as a shell would, far enough to see which program it runs:
 * words (quotes and backslashes removed), simple commands split on `&&`, `||`, `;` and `|`,
 * and the program behind variable assignments and wrappers (`exec`, `env`, `python -m`,
 * `newrelic-admin run-program`, `ddtrace-run`).
 */

/** One simple command: its program (a base name, "gunicorn"), its arguments, the variables set before it. */
export interface SimpleCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
}

const OPERATORS = ["&&", "||", ";", "|", "&"];

/** The words of a command line, with each unquoted operator as a word of its own. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  const end = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const stop = close < 0 ? line.length : close;
      word += line.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        word += line[i];
      }
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      end();
    } else if (c === "#" && !inWord) {
      break;
    } else {
      const op = OPERATORS.find((o) => line.startsWith(o, i));
      if (op) {
        end();
        words.push(op);
        i += op.length - 1;
      } else {
        word += c;
        inWord = true;
      }
    }
  }
  end();
  return words;
}

/** Wrappers that run the rest of the line as the program: how many words they take first. */
const WRAPPERS: Record<string, number> = { exec: 1, "ddtrace-run": 1, "opentelemetry-instrument": 1, nohup: 1 };

/** The simple commands of a line, each with the program it really runs. */
export function simpleCommands(line: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let current: string[] = [];
  const flush = () => {
    const command = unwrap(current);
    if (command) out.push(command);
    current = [];
  };
  for (const word of shellWords(line)) {
    if (OPERATORS.includes(word)) flush();
    else current.push(word);
  }
  flush();
  return out;
}

function unwrap(words: string[]): SimpleCommand | null {
  const env: Record<string, string> = {};
  let rest = words;
  for (;;) {
    const [first, second] = rest;
    if (first === undefined) return null;
    const assignment = /^([A-Za-z_]\w*)=(.*)$/s.exec(first);
    if (assignment) {
      env[assignment[1]!] = assignment[2]!;
      rest = rest.slice(1);
    } else if (first === "env") {
      rest = rest.slice(1);
    } else if (WRAPPERS[first]) {
      rest = rest.slice(WRAPPERS[first]);
    } else if (first === "newrelic-admin" && second === "run-program") {
      rest = rest.slice(2);
    } else if (/^python[\d.]*$/.test(base(first)) && second === "-m" && rest[2]) {
      rest = rest.slice(2);
    } else {
      return { program: base(first), args: rest.slice(1), env };
    }
  }
}

/** The last path segment: "bin/gunicorn" -> "gunicorn". */
function base(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}
