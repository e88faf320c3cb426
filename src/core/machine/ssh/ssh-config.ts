import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../../errors.js";
import { writeFileAtomic } from "../atomic-file.js";
import type { SshTarget } from "../driver.js";
import { fdockHome, fdockSshConfig, sshAlias, userSshConfig } from "../paths.js";

export interface SshEntry {
  name: string;
  target: SshTarget;
  knownHostsPath: string;
}

const q = (path: string) => `"${path.replace(/"/g, '\\"')}"`;

/** A value fdock refuses to write into an ssh config: it could end the line and add directives. */
export class UnsafeSshConfigValueError extends UserError {
  constructor(machine: string, field: string, value: string) {
    super(
      `Machine ${JSON.stringify(machine)}: its ${field} ${JSON.stringify(value)} cannot go into an ssh config (a line break, control character or space where ssh reads one word); nothing was written.`,
      `Remove the machine with \`fdock machine rm -f ${machine}\` and create it again with a valid value.`,
    );
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Every value of an entry is one line; host, user and alias are also one word; the port a port. */
function checkEntry(e: SshEntry, controlDir: string): void {
  const words: [string, string][] = [["name", e.name], ["host", e.target.host], ["user", e.target.user]];
  const lines: [string, string][] = [["key path", e.target.keyPath], ["known_hosts path", e.knownHostsPath], ["control folder", controlDir]];
  for (const [field, value] of words) if (value === "" || /\s/.test(value) || CONTROL.test(value)) throw new UnsafeSshConfigValueError(e.name, field, value);
  for (const [field, value] of lines) if (CONTROL.test(value)) throw new UnsafeSshConfigValueError(e.name, field, value);
  const port = e.target.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UnsafeSshConfigValueError(e.name, "port", String(port));
}

/** One `Host fdock-NAME` block: everything ssh needs, so a bare `ssh fdock-NAME` (and Docker's ssh:// contexts) work. */
export function renderSshEntry(e: SshEntry, controlDir: string): string {
  checkEntry(e, controlDir);
  const alias = sshAlias(e.name);
  return [
    `Host ${alias}`,
    `  HostName ${e.target.host}`,
    `  Port ${e.target.port}`,
    `  User ${e.target.user}`,
    `  IdentityFile ${q(e.target.keyPath)}`,
    `  IdentitiesOnly yes`,
    `  UserKnownHostsFile ${q(e.knownHostsPath)}`,
    `  HostKeyAlias ${alias}`,
    `  StrictHostKeyChecking yes`,
    `  ControlMaster auto`,
    `  ControlPath ${q(join(controlDir, "%C"))}`,
    `  ControlPersist 60`,
    "",
  ].join("\n");
}

export function renderSshConfig(entries: SshEntry[], env: NodeJS.ProcessEnv): string {
  const header = "# Written by fdock: one entry per machine (`fdock machine ls`). Edits are overwritten.\n\n";
  return header + entries.map((e) => renderSshEntry(e, controlDir(env))).join("\n");
}

export const controlDir = (env: NodeJS.ProcessEnv) => join(fdockHome(env), "cm");

export function writeSshConfig(entries: SshEntry[], env: NodeJS.ProcessEnv): string {
  mkdirSync(controlDir(env), { recursive: true, mode: 0o700 });
  const path = fdockSshConfig(env);
  writeFileAtomic(path, renderSshConfig(entries, env));
  return path;
}

export function includeLine(env: NodeJS.ProcessEnv): string {
  return `Include ${q(fdockSshConfig(env))}`;
}

/**
 * Makes the system ssh read fdock's entries: an Include at the top of ~/.ssh/config (an Include
 * after a Host block would only apply inside it). Creates the file 0600 if missing; idempotent.
 * Returns true when the file was changed.
 */
export function ensureSshInclude(env: NodeJS.ProcessEnv): boolean {
  const path = userSshConfig(env);
  const line = includeLine(env);
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (current.split("\n").some((l) => l.trim() === line)) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, `# Added by fdock: its machines' ssh entries (fdock-NAME)\n${line}\n\n${current}`);
  return true;
}
