import type Docker from "dockerode";
import { loadProject } from "../project/config-file.js";
import type { Project } from "../project/model.js";
import { planWorkersFor, type WorkerPlan } from "../project/workers.js";
import { renderBundle } from "../render/bundle.js";
import { EDGE_NETWORK, edgeAlias } from "../render/edge-layout.js";
import { bundleDir, writeBundle } from "./bundle-files.js";
import type { Target } from "../render/target.js";
import { connectEngine, engineFacts, type EngineFacts } from "../engine/engine.js";
import { ComposeProject } from "./compose-project.js";

export interface StackOptions {
  dir: string;
  mode: Target["mode"];
  /** Published port; undefined: fdock.yaml's. */
  port?: number;
  /** Publish on loopback only (local development) or on every address (a server). */
  publishHost: string | null;
  env?: NodeJS.ProcessEnv;
  dockerArgs?: string[];
  onOutput?: (text: string) => void;
  /**
   * The engine runs on another host (an fdock machine) at this address: the port check, the
   * health check through nginx and the URL use it instead of this machine.
   */
  remoteHost?: string;
  /** The fdock machine at remoteHost, named in engine errors (how to reach or upgrade it). */
  machine?: string;
  /** Development: the uid:gid the app runs as; default: this process's user. */
  devUser?: string;
}

/** This process's uid:gid, where the platform has them (not on Windows). */
export function invokingUser(): string | undefined {
  return process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined;
}

/** A project planned for one engine: what the renderers need, nothing written yet. */
export interface PlannedStack {
  project: Project;
  engine: EngineFacts;
  plan: WorkerPlan;
  target: Target;
  docker: Docker;
}

/** A project rendered for one engine, its bundle written, ready for compose. */
export interface Stack extends PlannedStack {
  compose: ComposeProject;
}

/** Loads the project and asks the engine for its CPUs and memory; writes nothing. */
export async function planStack(opts: StackOptions, docker?: Docker): Promise<PlannedStack> {
  const env = opts.env ?? process.env;
  const project = loadProject(opts.dir, env);
  const client = docker ?? (await connectEngine(env));
  const where = opts.machine ? { kind: "machine" as const, name: opts.machine, host: opts.remoteHost ?? opts.machine } : undefined;
  // Before anything is built: an engine that does not answer or is too old stops here.
  const engine = await engineFacts(client, env, where);
  const plan = planWorkersFor(project, engine.cpus, engine.memoryBytes);
  const target: Target = {
    mode: opts.mode,
    cpus: engine.cpus,
    publish: { host: opts.publishHost, port: opts.port ?? project.config.port },
    engine: engine.capabilities,
    ...(opts.mode === "production" && project.config.server.names.length > 0 ? { edge: { network: EDGE_NETWORK, alias: edgeAlias(project.config.name) } } : {}),
    ...(opts.mode === "development" ? { devUser: opts.devUser ?? invokingUser() } : {}),
  };
  return { project, engine, plan, target, docker: client };
}

/** Plans the stack, then renders and writes its bundle to <project>/.fdock. */
export async function prepareStack(opts: StackOptions, docker?: Docker): Promise<Stack> {
  const stack = await planStack(opts, docker);
  writeBundle(stack.project.dir, renderBundle(stack.project, stack.plan, stack.target));
  const compose = new ComposeProject(bundleDir(stack.project.dir), opts.env ?? process.env, opts.dockerArgs ?? [], opts.onOutput);
  return { ...stack, compose };
}
