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
   * used as tagged (no registry is asked for a digest: a content tag names one image); returns once Swarm
   * took the new spec, fdock then watches the rollout itself.
   */
  deploy: (t: ManagerTarget, stack: string, opts: { withRegistryAuth?: boolean } = {}): Argv => ({
    file: "docker",
    args: [
      ...t.dockerArgs, "stack", "deploy", "--compose-file", SWARM_FILE, "--prune", "--resolve-image", "never",
      // The user's registry credentials (their docker login), sent with the services: every node pulls with them.
      ...(opts.withRegistryAuth ? ["--with-registry-auth"] : []),
      "--detach=true", stack,
    ],
  }),
  /**
   * One image pushed to the user's registry from the manager's engine. The docker CLI here reads the
   * user's credentials (docker login, credential helpers) and hands them to that engine with the
   * request: no password on a command line.
   */
  push: (t: ManagerTarget, ref: string): Argv => ({ file: "docker", args: [...t.dockerArgs, "push", ref] }),
  /**
   * One image's archive on stdout (`docker save`), and an archive from stdin into an engine
   * (`docker load`): between the nodes without a registry, through the docker CLI's own SSH
   * connection (OpenSSH: several times the throughput of an SSH link made in JavaScript).
   */
  save: (t: ManagerTarget, ref: string): Argv => ({ file: "docker", args: [...t.dockerArgs, "save", ref] }),
  load: (t: ManagerTarget): Argv => ({ file: "docker", args: [...t.dockerArgs, "load", "--quiet"] }),
  /**
   * The stack's backing services alone, created or updated from their own file before the release
   * command; without --prune: the rest of the stack stays as it runs.
   */
  deployServices: (t: ManagerTarget, stack: string, file: string): Argv => ({
    file: "docker",
    args: [...t.dockerArgs, "stack", "deploy", "--compose-file", file, "--resolve-image", "never", "--detach=true", stack],
  }),
  /**
   * A one-off task (the release command, `fdock run`): a Swarm job of the app's image on the
   * stack's network, with its credentials (secrets, by name) and environment; run once, never
   * restarted. The env file is read by the docker CLI on this computer, never put on a command line.
   */
  job: (t: ManagerTarget, job: SwarmJob): Argv => ({
    file: "docker",
    args: [
      ...t.dockerArgs, "service", "create", "--detach", "--quiet",
      "--name", job.name, "--mode", "replicated-job", "--restart-condition", "none", "--no-resolve-image",
      "--endpoint-mode", "dnsrr", "--network", job.network, "--label", `${JOB_LABEL}=${job.app}`,
      // Not a compose project's container, whatever the image's labels say (compose/swarm.yaml.tmpl).
      "--container-label", "com.docker.compose.project=", "--container-label", "com.docker.compose.service=",
      ...Object.entries(job.env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
      ...(job.envFile ? ["--env-file", job.envFile] : []),
      ...job.secrets.flatMap((s) => ["--secret", `source=${s.source},target=${s.target}`]),
      ...(job.constraints ?? []).flatMap((c) => ["--constraint", c]),
      // The image is in the user's registry: the node that runs the job pulls it with their login.
      ...(job.withRegistryAuth ? ["--with-registry-auth"] : []),
      job.image, ...job.command,
    ],
  }),
  /** A job's output (its one task's stdout and stderr), without Swarm's prefixes. */
  jobLogs: (t: ManagerTarget, name: string): Argv => ({ file: "docker", args: [...t.dockerArgs, "service", "logs", "--raw", "--no-trunc", name] }),
};

/** The label on fdock's one-off jobs: the app they ran for. */
export const JOB_LABEL = "fdock.job";

export interface SwarmJob {
  app: string;
  /** The job's service name (unique: the app's, what it is, random). */
  name: string;
  image: string;
  /** The arguments to the image's entrypoint (the app env wrapper). */
  command: string[];
  /** The stack's overlay network, where the services answer by name. */
  network: string;
  env: Record<string, string>;
  envFile?: string;
  /** Secrets by their Swarm names, at their paths in the container. */
  secrets: Array<{ source: string; target: string }>;
  /** The image comes from the user's registry (fdock.yaml registry). */
  withRegistryAuth?: boolean;
  /** Placement constraints (`node.id==ID`): where Swarm may run it. */
  constraints?: string[];
}
