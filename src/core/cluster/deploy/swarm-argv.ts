/** Argv builders for the docker commands a cluster deploy runs on its manager: pure, tested by equality. */
import type { Argv } from "../../exec.js";
import { COMPOSE_FILE } from "../../render/layout.js";

/** The stack file in the bundle folder (.fdock), beside compose.yaml. */
export const SWARM_FILE = "swarm.yaml";

/** Where the commands go: `--context fdock-MANAGER`. */
export interface ManagerTarget {
  readonly dockerArgs: readonly string[];
}

export const swarmArgv = {
  /** Builds the two images a cluster runs, from the bundle's compose file (as `fdock up --remote MACHINE` builds). */
  build: (t: ManagerTarget): Argv => ({ file: "docker", args: [...t.dockerArgs, "compose", "-f", COMPOSE_FILE, "build", "gunicorn", "nginx"] }),
  /**
   * The stack created or updated from the stack file, services no longer in it removed. Images are
   * used as tagged (no registry is asked for a digest: every node has them); returns once Swarm
   * took the new spec, fdock then watches the rollout itself.
   */
  deploy: (t: ManagerTarget, stack: string): Argv => ({
    file: "docker",
    args: [...t.dockerArgs, "stack", "deploy", "--compose-file", SWARM_FILE, "--prune", "--resolve-image", "never", "--detach=true", stack],
  }),
  /**
   * The release command once, in a container of the new gunicorn image on the manager, removed
   * after. The env file is read by the docker CLI on this computer, never put on a command line.
   */
  release: (t: ManagerTarget, image: string, command: string, env: Record<string, string>, envFile?: string): Argv => ({
    file: "docker",
    args: [
      ...t.dockerArgs, "run", "--rm",
      ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
      ...(envFile ? ["--env-file", envFile] : []),
      image, "sh", "-c", command,
    ],
  }),
};
