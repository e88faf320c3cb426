import { PrecheckError, UserError } from "../errors.js";
import type { Project } from "../project/model.js";
import { ComposeFailure, lastLines } from "./compose-project.js";

/** Turns a failed image build into what the user should do about it. */
export function explainBuildFailure(e: unknown, project: Project): unknown {
  if (!(e instanceof ComposeFailure)) return e;
  const out = e.output;
  const detail = lastLines(out, 40);
  const base = /failed to resolve source metadata for [^\s:]*?\/?([^\s/]+\/)?([\w.-]+:[\w.-]+)|pull access denied for ([^\s,]+)/.exec(out);
  if (base) {
    return new UserError(
      "A base image could not be found or pulled.",
      `This engine has no ${project.config.images.python} or ${project.config.images.nginx} and no registry gave it. Set images.python / images.nginx in fdock.yaml, or FDOCK_PYTHON_IMAGE / FDOCK_NGINX_IMAGE, to images the engine has.`,
      detail,
    );
  }
  if (/pip install/.test(out) && /(ERROR: |No matching distribution|Could not find a version)/.test(out)) {
    const file = project.requirements.kind === "none" ? "your dependencies" : project.requirements.path;
    return new UserError(
      `Installing the app's dependencies failed (pip install of ${file}).`,
      `Check ${file}: pip's error is above. The image installs it on ${project.config.images.python}.`,
      detail,
    );
  }
  return new UserError("Building the images failed.", "The build output is above; fix the cause and run the command again.", detail);
}

export function isPortConflict(e: unknown): boolean {
  return e instanceof ComposeFailure && /port is already allocated|address already in use/i.test(e.output);
}

export function portTakenError(port: number): PrecheckError {
  return new PrecheckError(
    `Port ${port} is already in use on this machine.`,
    `Stop what uses it, or pick another port: \`fdock up --port ${port === 8080 ? 8081 : 8080}\` (or set port: in fdock.yaml).`,
  );
}

/**
 * The traceback of a worker that failed to boot (the app's own import error), from gunicorn's
 * log: the restart loop repeats gunicorn's shutdown noise, which would bury it.
 */
export function workerTraceback(logs: string): string | null {
  const lines = logs.split("\n").map((l) => l.replace(/^[\w.-]+\s+\|\s?/, ""));
  const start = lines.findLastIndex((l) => l.includes("Exception in worker process"));
  if (start < 0) return null;
  const end = lines.findIndex((l, i) => i > start && /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*/.test(l));
  return lines.slice(start, end < 0 ? start + 40 : end + 1).join("\n");
}
