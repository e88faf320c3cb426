import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { configPath, writeConfigFile } from "./config-file.js";
import { detectApps, detectPersistentPaths, detectStaticFolder, pickApp, type AppCandidate } from "./detect.js";
import { detectHealthRoute, type HealthRoute } from "./health-route.js";
import { CONFIG_FILE, DEFAULT_NGINX_IMAGE, DEFAULT_PYTHON_IMAGE, type ProjectInput } from "./model.js";
import { readRequirements } from "./requirements.js";
import { validateConfig } from "./validate.js";

/** Asks the user to pick one of several candidates; the CLI supplies it only on a TTY. */
export type Chooser = (question: string, choices: AppCandidate[]) => Promise<string>;

export interface InitOptions {
  dir: string;
  /** --app MODULE:CALLABLE: no detection, no prompt. */
  app?: string;
  /** Overwrite an existing fdock.yaml. */
  force?: boolean;
  /** Present when prompts are allowed (a TTY and no --yes). */
  choose?: Chooser;
}

export interface InitResult {
  file: string;
  config: ProjectInput;
  /** What fdock decided on its own, to tell the user. */
  notes: string[];
}

export async function init(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`${dir} is not a folder.`, "Run `fdock init` in your Flask app's folder, or pass it with -C DIR.");
  }
  if (existsSync(configPath(dir)) && !opts.force) {
    throw new UserError(`${CONFIG_FILE} already exists in ${dir}.`, "Edit it, or run `fdock init --force` to write a new one.");
  }
  const notes: string[] = [];
  const app = opts.app ? checkExplicitApp(dir, opts.app) : await chooseApp(dir, opts.choose, notes);
  const requirements = readRequirements(dir);
  if (requirements.kind === "none") notes.push("no requirements.txt or pyproject.toml: the image will install only gunicorn");

  const staticFolder = detectStaticFolder(dir, app);
  const health = detectHealthRoute(dir);
  const persistent = detectPersistentPaths(dir, [moduleFile(dir, app.split(":")[0]!) ?? ""].filter(Boolean));
  const config: ProjectInput = {
    version: 1,
    name: projectName(dir),
    app,
    images: { python: DEFAULT_PYTHON_IMAGE, nginx: DEFAULT_NGINX_IMAGE },
    workers: { class: "auto", count: "auto" },
    static: staticFolder ? { folder: staticFolder, url: "/static" } : null,
    server: { names: [], redirect_www: false, client_max_body_size: "10m" },
    env_file: existsSync(join(dir, ".env")) ? ".env" : null,
    release: detectRelease(dir, app, requirements.names),
    persistent,
    ...(health.route ? { health: { path: health.route.path } } : {}),
    port: 8080,
  };
  if (persistent.length) notes.push(`keeping ${persistent.join(", ")} on a named volume (the app writes data there)`);
  notes.push(...healthNotes(health));
  validateConfig(config); // what init writes must load
  const file = writeConfigFile(dir, config);
  return { file, config, notes };
}

/** What init tells the user about the health check it set up, and why. */
function healthNotes(health: { route: HealthRoute | null; skipped: HealthRoute[] }): string[] {
  if (health.route) {
    return [`health checks GET ${health.route.path} (the route in ${health.route.file}): it must answer 2xx or 3xx; remove health: to check that / answers below 500 instead`];
  }
  const skipped = health.skipped.map((r) => `${r.path} in ${r.file}`).join(", ");
  return [
    `health checks GET /: any answer below 500 counts (no health route found${skipped ? `; ${skipped} is on a blueprint that may have a url_prefix` : ""}). Set health.path to a route that answers 200 to check it instead`,
  ];
}

async function chooseApp(dir: string, choose: Chooser | undefined, notes: string[]): Promise<string> {
  const detection = detectApps(dir);
  const picked = pickApp(detection);
  if (picked) return picked.target;
  const [first] = detection.candidates;
  if (!first) {
    const searched = detection.searched.length ? detection.searched.join(", ") : "no Python files at all";
    throw new UserError(
      `No WSGI app found in ${dir}.\nSearched ${searched} for a module-level \`app = Flask(...)\` or \`application = ...\`, and for a \`def create_app()\` factory.`,
      "Name it yourself: `fdock init --app MODULE:NAME` (e.g. `main:app`, `wsgi:application`) or `--app PACKAGE:create_app()`.",
    );
  }
  if (choose) return choose("Which WSGI app should fdock serve?", detection.candidates);
  notes.push(
    `several apps found (${detection.candidates.map((c) => c.target).join(", ")}); using ${first.target}. Pass --app to choose another.`,
  );
  return first.target;
}

function checkExplicitApp(dir: string, app: string): string {
  const module = app.split(":")[0] ?? "";
  if (!/^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?$/.test(app)) {
    throw new UserError(`--app ${app} is not MODULE:NAME.`, "Write it as gunicorn takes it, e.g. `main:app` or `flask_blog:create_app()`.");
  }
  if (!moduleFile(dir, module)) {
    throw new UserError(`--app ${app}: no module ${module} in ${dir}.`, `Expected ${module.replace(/\./g, "/")}.py or ${module.replace(/\./g, "/")}/__init__.py.`);
  }
  return app;
}

function moduleFile(dir: string, module: string): string | null {
  const rel = module.replace(/\./g, "/");
  for (const root of ["", "src/"]) {
    for (const candidate of [`${root}${rel}.py`, `${root}${rel}/__init__.py`]) {
      if (existsSync(join(dir, candidate))) return candidate;
    }
  }
  return null;
}

/** A release step fdock can see: Flask-Migrate's upgrade, or a `release` module beside the app. */
function detectRelease(dir: string, app: string, dependencies: string[]): string | null {
  if (dependencies.includes("flask-migrate")) return `flask --app '${app}' db upgrade`;
  const pkg = app.split(":")[0]!.split(".")[0]!;
  return moduleFile(dir, `${pkg}.release`) ? `python -m ${pkg}.release` : null;
}

/** A compose project name from the folder name. */
export function projectName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z0-9]+/, "");
  return name || "app";
}
