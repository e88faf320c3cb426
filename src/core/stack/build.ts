import { step, type Reporter } from "../events.js";
import { loadProject } from "../project/config-file.js";
import { planWorkersFor } from "../project/workers.js";
import { renderCompose } from "../render/compose.js";
import { explainBuildFailure } from "./failures.js";
import { invokingUser, prepareStack, type StackOptions } from "./prepare.js";

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

/** The compose file `fdock up` would run; with cpus given, no engine is asked. */
export async function renderedConfig(opts: StackOptions & { cpus?: number }): Promise<string> {
  if (opts.cpus === undefined) {
    const stack = await prepareStack(opts);
    return renderCompose(stack.project, stack.plan, stack.target);
  }
  const project = loadProject(opts.dir, opts.env ?? process.env);
  const plan = planWorkersFor(project, opts.cpus);
  return renderCompose(project, plan, {
    mode: opts.mode,
    cpus: opts.cpus,
    publish: { host: opts.publishHost, port: opts.port ?? project.config.port },
    ...(opts.mode === "development" ? { devUser: opts.devUser ?? invokingUser() } : {}),
  });
}
