import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { configPath, writeConfigFile } from "./config-file.js";
import { proposeBacking } from "./backing-proposal.js";
import { detectApps, detectPersistentPaths, detectStaticFolder, moduleFile, pickApp, type AppCandidate } from "./detect.js";
import { detectHealthRoute, type HealthRoute } from "./health-route.js";
import { CONFIG_FILE, DEFAULT_NGINX_IMAGE, DEFAULT_PYTHON_IMAGE, type ProjectInput } from "./model.js";
import { readProcfile } from "./procfile.js";
import { procfilePlan, type ProcfilePlan } from "./procfile-processes.js";
import { readRequirements } from "./requirements.js";
import { validateConfig } from "./validate.js";
import { explicitAppNote, webAppChoice } from "./web-app.js";

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
  const procfile = readProcfile(dir);
  const plan = procfile && procfilePlan(procfile);
  if (plan) notes.push(...plan.problems);
  const app = opts.app ? explicitApp(dir, opts.app, plan, notes) : await chooseApp(dir, opts.choose, notes, plan);
  const requirements = readRequirements(dir);
  if (requirements.kind === "none") notes.push("no requirements.txt or pyproject.toml: the image will install only gunicorn");
  const backing = proposeBacking(dir, app, requirements, plan);

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
    release: backing.release,
    persistent,
    ...(health.route ? { health: { path: health.route.path } } : {}),
    port: 8080,
    // Written only when there are some: an app without them keeps the short file it had.
    ...(Object.keys(backing.services).length ? { services: backing.services } : {}),
    ...(Object.keys(backing.processes).length ? { processes: backing.processes } : {}),
  };
  notes.push(...backing.notes);
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

/** --app, checked; a Procfile web line that names another app loses to it, and the notes say so. */
function explicitApp(dir: string, app: string, plan: ProcfilePlan | null, notes: string[]): string {
  checkExplicitApp(dir, app);
  const note = plan?.web && explicitAppNote(app, plan.web);
  if (note) notes.push(note);
  return app;
}

async function chooseApp(dir: string, choose: Chooser | undefined, notes: string[], plan: ProcfilePlan | null): Promise<string> {
  const detection = detectApps(dir);
  if (plan?.web) {
    // The Procfile's web line is the user's own choice: it wins when fdock can serve it.
    const choice = webAppChoice(plan.web, detection, (module) => moduleFile(dir, module) !== null);
    if (choice.note) notes.push(choice.note);
    if (choice.app) return choice.app;
  }
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

/** A compose project name from the folder name. */
export function projectName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z0-9]+/, "");
  return name || "app";
}
