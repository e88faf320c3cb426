import { display, proposeServices, type ServiceProposal } from "./detect-services.js";
import { proposeWorker } from "./detect-worker.js";
import { moduleFile } from "./detect.js";
import type { RequirementsSource } from "./model.js";
import type { ProcfilePlan, ProcfileProcess } from "./procfile-processes.js";
import { readRequirementExtras } from "./requirements.js";
import { hasFolder, scanSources } from "./source-hints.js";

/**
 * Everything beside the web app that `fdock init` proposes: services, processes and the release
 * command, from the Procfile (the user's own lines win), the requirements and the code, each
 * with a note that says why.
 */
export interface BackingProposal {
  services: ServiceProposal["services"];
  processes: Record<string, string>;
  release: string | null;
  notes: string[];
}

export function proposeBacking(dir: string, app: string, requirements: RequirementsSource, plan: ProcfilePlan | null): BackingProposal {
  const source = requirements.kind === "none" ? "the requirements" : requirements.path;
  const scanned = scanSources(dir);
  const procfileProcesses = plan?.processes ?? [];
  const services = proposeServices({
    names: requirements.names,
    source,
    extras: readRequirementExtras(dir),
    hints: [...scanned.hints, ...(plan?.hints ?? [])],
    readsEnv: scanned.readsEnv,
  });
  const worker = proposeWorker({ names: requirements.names, source, app, celery: scanned.celery, taken: procfileProcesses });
  const processes: Record<string, string> = Object.fromEntries(procfileProcesses.map((p) => [p.name, p.command]));
  Object.assign(processes, worker.processes);
  const release = proposeRelease(dir, app, requirements.names, source, plan);
  return {
    services: services.services,
    processes,
    release: release.command,
    notes: [...services.notes, ...procfileProcesses.map((p) => processNote(p, worker.yielded[p.name])), ...worker.notes, ...(release.note ? [release.note] : [])],
  };
}

/** "worker: the Procfile's `worker` line (line 3), a Celery worker: fdock adds none of its own". */
function processNote(p: ProcfileProcess, queue: string | undefined): string {
  const renamed = p.renamed ? `, renamed: ${p.renamed}` : "";
  const worker = queue ? `, a ${queue} worker: fdock adds none of its own` : "";
  return `${p.name}: the Procfile's line ${p.line}${renamed}${worker}`;
}

/** The Procfile's release line; else Flask-Migrate's upgrade; else a `release` module beside the app. */
function proposeRelease(dir: string, app: string, names: string[], source: string, plan: ProcfilePlan | null): { command: string | null; note: string | null } {
  if (plan?.release) return { command: plan.release.command, note: `release: the Procfile's line ${plan.release.line}` };
  if (names.includes("flask-migrate")) {
    const command = `flask --app '${app}' db upgrade`;
    const missing = hasFolder(dir, "migrations")
      ? ""
      : `; there is no migrations/ folder yet: create it (\`${command.replace(" upgrade", " init")}\`, then \`db migrate\`) and commit it, or the release fails`;
    return { command, note: `release: ${command} (${display("flask-migrate")} in ${source})${missing}` };
  }
  const pkg = app.split(":")[0]!.split(".")[0]!;
  const file = moduleFile(dir, `${pkg}.release`);
  return file ? { command: `python -m ${pkg}.release`, note: `release: python -m ${pkg}.release (${file} is there)` } : { command: null, note: null };
}
