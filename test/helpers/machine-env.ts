import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/**
 * An isolated workstation's environment for machine tests (its own HOME, FDOCK_HOME and
 * DOCKER_CONFIG; no DOCKER_HOST, context or active machine from the shell), each a temp folder
 * removed after every test of the file that calls this.
 */
export function isolatedEnvs(prefix: string): (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv {
  const temps: string[] = [];
  afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (extra = {}) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temps.push(dir);
    return { ...process.env, HOME: dir, FDOCK_HOME: join(dir, ".fdock"), DOCKER_CONFIG: join(dir, ".docker"), DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, FDOCK_MACHINE_NAME: undefined, ...extra };
  };
}
