import { homedir } from "node:os";
import { join } from "node:path";
import { machineResourceName } from "./names.js";

/** Where fdock keeps machines: FDOCK_HOME, default ~/.fdock (HOME honoured, for tests and sandboxes). */
export function fdockHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.FDOCK_HOME || join(env.HOME || homedir(), ".fdock");
}

export function userHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

export const machinesDir = (env: NodeJS.ProcessEnv) => join(fdockHome(env), "machines");
export const machineDir = (name: string, env: NodeJS.ProcessEnv) => join(machinesDir(env), name);
export const locksDir = (env: NodeJS.ProcessEnv) => join(fdockHome(env), "locks");
export const fdockSshConfig = (env: NodeJS.ProcessEnv) => join(fdockHome(env), "ssh_config");
export const userSshConfig = (env: NodeJS.ProcessEnv) => join(userHome(env), ".ssh", "config");
/** The docker CLI's config folder, where the persistent current context lives. */
export const dockerConfigDir = (env: NodeJS.ProcessEnv) => env.DOCKER_CONFIG || join(userHome(env), ".docker");

/** The ssh config alias and Docker context of a machine. */
export const sshAlias = (name: string) => machineResourceName(name);
export const contextName = (name: string) => machineResourceName(name);
