import type { Project } from "../project/model.js";
import type { WorkerPlan } from "../project/workers.js";
import { fill, readAsset } from "./templates.js";

/** Path inside the bundle of the dependency list fdock extracts from pyproject.toml. */
export const BUNDLED_REQUIREMENTS = "requirements.txt";

/** pip install steps: the dependency layer, built before the code is copied. */
export function dependencySteps(project: Project, plan: WorkerPlan): string {
  const req = project.requirements;
  const extra: string[] = [];
  if (!req.names.includes("gunicorn")) extra.push("gunicorn");
  if (plan.workerClass === "gevent" && !req.names.includes("gevent")) extra.push("gevent");
  const extraArgs = extra.map((e) => ` ${e}`).join("");
  switch (req.kind) {
    case "requirements.txt":
      return `COPY ${req.path} /tmp/fdock/requirements.txt\nRUN pip install -r /tmp/fdock/requirements.txt${extraArgs}`;
    case "pyproject":
      return `COPY .fdock/${BUNDLED_REQUIREMENTS} /tmp/fdock/requirements.txt\nRUN pip install -r /tmp/fdock/requirements.txt${extraArgs}`;
    case "none":
      return `RUN pip install${extraArgs || " gunicorn"}`;
  }
}

export function renderGunicornDockerfile(project: Project, plan: WorkerPlan): string {
  const persistent = project.config.persistent;
  return fill(readAsset("images/gunicorn/Dockerfile.tmpl"), {
    python_image: project.config.images.python,
    dependency_steps: dependencySteps(project, plan),
    persistent_steps: persistent.length
      ? `# Kept on named volumes; owned by the app user so it can write there.\nRUN mkdir -p ${persistent.join(" ")} && chown app:app ${persistent.join(" ")}`
      : "",
  });
}

/** The dependency list for a pyproject.toml project (null when requirements.txt is used). */
export function renderBundledRequirements(project: Project): string | null {
  return project.requirements.kind === "pyproject" ? project.requirements.specs.join("\n") + "\n" : null;
}
