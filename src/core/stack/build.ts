import { step, type Reporter } from "../events.js";
import { loadProject } from "../project/config-file.js";
import { planWorkersFor } from "../project/workers.js";
import { renderCompose } from "../render/compose.js";
import { explainBuildFailure } from "./failures.js";
import { invokingUser, planStack, prepareStack, type StackOptions } from "./prepare.js";

/** Builds both images on the engine without starting anything. */
export async function build(opts: StackOptions, reporter: Reporter): Promise<void> {
  const stack = await step(reporter, "render", "Render images and compose file", () => prepareStack(opts));
  await step(reporter, "build", "Build gunicorn and nginx images", async () => {
    try {
      await stack.compose.build();
    } catch (e) {
      throw explainBuildFailure(e, stack.project);
    }
  });
}

/**
 * The compose file `fdock up` would run. With cpus given, no engine is asked: the workers are sized
 * for those CPUs and memoryBytes (not given: memory is not a limit). With only memoryBytes, the
 * engine's CPUs and that memory. Writes nothing: it only renders.
 */
export async function renderedConfig(opts: StackOptions & { cpus?: number; memoryBytes?: number }): Promise<string> {
  if (opts.cpus === undefined) {
    const stack = await planStack(opts);
    if (opts.memoryBytes === undefined) return renderCompose(stack.project, stack.plan, stack.target);
    return renderCompose(stack.project, planWorkersFor(stack.project, stack.engine.cpus, opts.memoryBytes), stack.target);
  }
  const project = loadProject(opts.dir, opts.env ?? process.env);
  const plan = planWorkersFor(project, opts.cpus, opts.memoryBytes);
  return renderCompose(project, plan, {
    mode: opts.mode,
    cpus: opts.cpus,
    publish: { host: opts.publishHost, port: opts.port ?? project.config.port },
    ...(opts.mode === "development" ? { devUser: opts.devUser ?? invokingUser() } : {}),
  });
}
