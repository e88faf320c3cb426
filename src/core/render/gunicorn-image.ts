import type { Project } from "../project/model.js";
import type { WorkerPlan } from "../project/workers.js";
import { BUNDLE_DIR } from "./layout.js";
import { renderFragment, renderTemplate } from "./templates.js";

/** Path inside the bundle of the dependency list fdock extracts from pyproject.toml. */
export const BUNDLED_REQUIREMENTS = "requirements.txt";

/** pip install steps: the dependency layer, built before the code is copied. */
export function dependencySteps(project: Project, plan: WorkerPlan): string {
  const req = project.requirements;
  // What gunicorn needs that the project's own list leaves out.
  const extra: string[] = [];
  if (!req.names.includes("gunicorn")) extra.push("gunicorn");
  if (plan.workerClass === "gevent" && !req.names.includes("gevent")) extra.push("gevent");
  if (req.kind === "none") return renderFragment("images/gunicorn/pip-packages.tmpl", { packages: extra.join(" ") || "gunicorn" });
  return renderFragment("images/gunicorn/pip-requirements.tmpl", {
    requirements: req.kind === "requirements.txt" ? req.path : `${BUNDLE_DIR}/${BUNDLED_REQUIREMENTS}`,
    extra_args: extra.map((e) => ` ${e}`).join(""),
  });
}

export function renderGunicornDockerfile(project: Project, plan: WorkerPlan): string {
  const persistent = project.config.persistent;
  return renderTemplate("images/gunicorn/Dockerfile.tmpl", {
    python_image: project.config.images.python,
    dependency_steps: dependencySteps(project, plan),
    persistent_steps: persistent.length ? renderFragment("images/gunicorn/persistent.tmpl", { paths: persistent.join(" ") }) : "",
  });
}

/** gunicorn's settings file (gunicorn.conf.py); its values come from the environment compose sets. */
export function renderGunicornConf(): string {
  return renderTemplate("images/gunicorn/gunicorn.conf.py.tmpl");
}

/** The health check script the gunicorn container's healthcheck runs. */
export function renderHealthCheck(): string {
  return renderTemplate("images/gunicorn/fdock_health.py.tmpl");
}

/** The gunicorn image's entrypoint: the app's service variables, unless the environment sets them. */
export function renderAppEnvWrapper(): string {
  return renderTemplate("images/gunicorn/with-app-env.tmpl");
}

/** The dependency list for a pyproject.toml project (null when requirements.txt is used). */
export function renderBundledRequirements(project: Project): string | null {
  return project.requirements.kind === "pyproject" ? project.requirements.specs.join("\n") + "\n" : null;
}
