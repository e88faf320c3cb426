/**
 * The benches' isolated workstation: HOME, FDOCK_HOME and DOCKER_CONFIG in a temp folder, an ssh
 * key, and a copy of the example app. The system ssh reads ~/.ssh/config from the passwd home: a
 * wrapper on PATH points it at this HOME's (as in the machines suite).
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSync } from "./proc.ts";
import { EXAMPLE } from "./stack.ts";

export interface Station { root: string; home: string; key: string; app: string; env: NodeJS.ProcessEnv }

export function makeStation(prefix: string): Station {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const home = join(root, "home");
  const bin = join(root, "bin");
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  mkdirSync(bin);
  const key = join(home, ".ssh", "id_ed25519");
  runSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fdock-bench", "-f", key]);
  writeFileSync(join(bin, "ssh"), `#!/bin/sh\ncase " $* " in *" -F "*) exec /usr/bin/ssh "$@";; esac\nexec /usr/bin/ssh -F "$HOME/.ssh/config" "$@"\n`);
  chmodSync(join(bin, "ssh"), 0o755);
  const base = { ...process.env };
  for (const k of ["DOCKER_HOST", "DOCKER_CONTEXT", "FDOCK_MACHINE_NAME", "SSH_AUTH_SOCK", "CI"]) delete base[k];
  const env = { ...base, HOME: home, FDOCK_HOME: join(root, "fdock"), DOCKER_CONFIG: join(root, "docker"), PATH: `${bin}:${process.env.PATH}` };
  const app = join(root, "app");
  cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/(\/\.fdock|\/instance|__pycache__)(\/|$)/.test(src) });
  return { root, home, key, app, env };
}
