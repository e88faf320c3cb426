import { simpleCommands, type SimpleCommand } from "./shell-words.js";

/**
 * The app a Procfile `web` command serves, read from the WSGI server's own arguments: gunicorn
 * (`gunicorn -w 4 'pkg:create_app()'`), waitress-serve (`--call pkg:create_app`), uWSGI
 * (`--module`, `--wsgi-file` + `--callable`) and `flask run` (`--app`, FLASK_APP).
 */
export type WebTarget =
  /** A full target as written: "main:app", "pkg:create_app()", maybe "pkg:create_app('prod')". */
  | { kind: "target"; server: string; target: string }
  /** Only a module: the server looks for the app in it itself (`flask --app pkg run`). */
  | { kind: "module"; server: string; module: string }
  /** No target fdock can read; why says what the line runs instead. */
  | { kind: "none"; why: string };

const SERVERS = ["gunicorn", "waitress-serve", "uwsgi", "flask"];

export function webTarget(command: string): WebTarget {
  const commands = simpleCommands(command);
  const server = commands.find((c) => SERVERS.includes(c.program));
  if (!server) {
    const last = commands.at(-1);
    return { kind: "none", why: last ? `runs \`${last.program}\`, not a WSGI server fdock reads (gunicorn, waitress-serve, uwsgi, flask run)` : "is empty" };
  }
  switch (server.program) {
    case "gunicorn":
      return gunicornTarget(server);
    case "waitress-serve":
      return waitressTarget(server);
    case "uwsgi":
      return uwsgiTarget(server);
    default:
      return flaskTarget(server);
  }
}

/** gunicorn's options that take no value; every other option takes the next word unless it has `=`. */
const GUNICORN_FLAGS = new Set([
  "--reload", "--spew", "--check-config", "--print-config", "--preload", "--no-sendfile", "--reuse-port", "-D", "--daemon",
  "--initgroups", "-R", "--enable-stdio-inheritance", "--capture-output", "--proxy-protocol", "--suppress-ragged-eofs",
  "--do-handshake-on-connect", "--strip-header-spaces", "--log-syslog", "--disable-redirect-access-to-syslog", "-v", "--version",
  "-h", "--help", "--permit-obsolete-folding", "--permit-unconventional-http-method", "--permit-unconventional-http-version",
  "--casefold-http-method",
]);

function gunicornTarget(c: SimpleCommand): WebTarget {
  const target = positionals(c.args, GUNICORN_FLAGS).at(-1);
  if (!target) return { kind: "none", why: "runs gunicorn with no app argument (its config file names it)" };
  // gunicorn takes "module" alone as "module:application".
  return { kind: "target", server: "gunicorn", target: target.includes(":") ? target : `${target}:application` };
}

const WAITRESS_FLAGS = new Set([
  "--call", "--ipv4", "--ipv6", "--no-ipv4", "--no-ipv6", "--expose-tracebacks", "--no-expose-tracebacks", "--log-untrusted-proxy-headers",
  "--no-log-untrusted-proxy-headers", "--clear-untrusted-proxy-headers", "--no-clear-untrusted-proxy-headers", "-h", "--help",
]);

function waitressTarget(c: SimpleCommand): WebTarget {
  const target = positionals(c.args, WAITRESS_FLAGS).at(-1);
  if (!target) return { kind: "none", why: "runs waitress-serve with no MODULE:OBJECT argument" };
  if (!target.includes(":")) return { kind: "module", server: "waitress-serve", module: target };
  // --call: OBJECT is a factory waitress calls, as gunicorn's "pkg:create_app()".
  return { kind: "target", server: "waitress-serve", target: c.args.includes("--call") && !target.endsWith(")") ? `${target}()` : target };
}

function uwsgiTarget(c: SimpleCommand): WebTarget {
  const module = optionValue(c.args, ["--module", "-w", "--wsgi"]);
  const file = optionValue(c.args, ["--wsgi-file", "--file"]);
  const callable = optionValue(c.args, ["--callable"]) ?? "application";
  if (module) return { kind: "target", server: "uwsgi", target: module.includes(":") ? module : `${module}:${callable}` };
  if (file?.endsWith(".py")) return { kind: "target", server: "uwsgi", target: `${pathModule(file)}:${callable}` };
  return { kind: "none", why: "runs uwsgi without --module or --wsgi-file (its ini file names the app)" };
}

function flaskTarget(c: SimpleCommand): WebTarget {
  if (!c.args.includes("run")) return { kind: "none", why: `runs \`flask ${c.args.join(" ")}\`, not \`flask run\`` };
  const app = optionValue(c.args, ["--app", "-A"]) ?? c.env.FLASK_APP;
  if (!app) return { kind: "none", why: "runs `flask run` (the development server) on the app Flask finds itself" };
  const [where, name] = app.split(/:(.*)/s);
  // --app also takes a file or folder ("src/hello.py"): Flask imports its last part.
  const module = pathModule(where!);
  return name ? { kind: "target", server: "flask", target: `${module}:${name}` } : { kind: "module", server: "flask", module };
}

/** Arguments that are not options nor option values. */
function positionals(args: string[], flags: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") out.push(a);
    else if (!a.includes("=") && !flags.has(a) && !/^-[A-Za-z]./.test(a)) i++; // "-w 4" takes "4"; "-w4" and "--x=y" do not
  }
  return out;
}

/** The value of the first of names given as "--name value", "--name=value" or "-n value". */
function optionValue(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const name of names) {
      if (a === name) return args[i + 1];
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
    }
  }
  return undefined;
}

/** "src/hello.py" or "pkg/wsgi.py" -> the module Flask or uWSGI imports ("hello", "pkg.wsgi"). */
function pathModule(path: string): string {
  const clean = path.replace(/^\.\//, "").replace(/\.py$/, "").replace(/\/__init__$/, "").replace(/\/$/, "");
  return clean.replace(/^src\//, "").replace(/\//g, ".");
}
