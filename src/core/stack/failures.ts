import { statSync } from "node:fs";
import { HealthCheckError, PrecheckError, UserError } from "../errors.js";
import { describeRule, healthHint, type HealthRule } from "../project/health.js";
import type { Project } from "../project/model.js";
import { ComposeFailure, lastLines } from "./compose-project.js";
import { HttpWaitTimeout } from "./http-check.js";
import { pipFailure } from "./pip-failure.js";

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
    const pip = pipFailure(out);
    if (pip?.unreachable) {
      return new UserError(
        `Installing the app's dependencies failed (pip install of ${file}): pip could not reach the package index ${pip.index} for ${pip.requirement}.`,
        `The image build could not connect to ${pip.index}. Check the engine's network (or its proxy) and the index pip is given (PIP_INDEX_URL in the environment of ${project.config.images.python}, or a pip.conf), then run the command again. Nothing was replaced: the running app (if any) still serves.`,
        detail,
      );
    }
    if (pip) {
      return new UserError(
        `Installing the app's dependencies failed (pip install of ${file}): pip found no distribution for ${pip.requirement} on ${pip.index}.`,
        `Check the name and version of ${pip.requirement} in ${file}: pip's error is above. Nothing was replaced: the running app (if any) still serves.`,
        detail,
      );
    }
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

/**
 * Development mode mounts the source into the container, which runs as the invoking user. Where
 * the engine maps users otherwise (rootless Docker, userns-remap), the app's own folder can still
 * be unreadable there: Python then reports a missing module, which points at the wrong cause.
 */
export function unreadableSource(projectDir: string, logs: string, devUser: string | undefined): UserError | null {
  if (!/Permission denied|PermissionError|No module named/.test(logs)) return null;
  let bits: number;
  let owner: string;
  try {
    const st = statSync(projectDir);
    bits = st.mode & 0o777;
    owner = `${st.uid}:${st.gid}`;
  } catch {
    return null;
  }
  const denied = /Permission denied|PermissionError/.test(logs);
  if (!denied && (bits & 0o005) === 0o005) return null; // world-readable: a missing module is a real one
  const mode = bits.toString(8).padStart(4, "0");
  return new UserError(
    `The development container${devUser ? ` (user ${devUser})` : ""} cannot read the project folder ${projectDir} (mode ${mode}, owner ${owner}).`,
    `Docker maps users differently on this engine (rootless Docker or userns-remap). Let it read the folder (\`chmod o+rX ${projectDir}\`), or use \`fdock up --production\`, which copies the code into the image.`,
  );
}

/**
 * The check through nginx after gunicorn became healthy gave up: what it saw, and where to look.
 * Anything other than its timeout is returned as it is.
 */
export function explainServeFailure(e: unknown, rule: HealthRule, remoteHost?: string): unknown {
  if (!(e instanceof HttpWaitTimeout)) return e;
  const within = `within ${e.timeoutMs / 1000} s`;
  const logs = `\`fdock logs nginx${remoteHost ? " --remote" : ""}\` and \`fdock logs gunicorn${remoteHost ? " --remote" : ""}\``;
  if (e.lastStatus === null) {
    return new HealthCheckError(
      `gunicorn is healthy, but nothing answered ${e.url} through nginx ${within} (last: ${e.last}).`,
      remoteHost
        ? `The stack runs on ${remoteHost}; check that its port is open to this computer (the host's firewall; on EC2, the security group), then run the command again. The services' output: ${logs}.`
        : `Check what the services printed: ${logs}, and \`fdock ps\`.`,
    );
  }
  const status = e.lastStatus;
  return new HealthCheckError(
    `gunicorn is healthy, but ${e.url} answered ${status} through nginx for ${e.timeoutMs / 1000} s: fdock needs ${describeRule(rule)}.`,
    status === 502 || status === 504
      ? `nginx could not reach gunicorn: see ${logs}.`
      : `${healthHint(rule, status)} See ${logs}.`,
  );
}
