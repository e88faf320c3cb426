import type { Project } from "../project/model.js";
import type { WorkerPlan } from "../project/workers.js";
import { renderCompose } from "./compose.js";
import { renderGunicornDockerignore, renderNginxDockerignore } from "./dockerignore.js";
import { BUNDLED_REQUIREMENTS, renderAppEnvWrapper, renderBundledRequirements, renderGunicornConf, renderGunicornDockerfile, renderHealthCheck } from "./gunicorn-image.js";
import { renderNginxConf, renderNginxDockerfile, renderNginxUpstream } from "./nginx-image.js";
import { renderNginxMainConf } from "./nginx-main.js";
import { renderFrontConf, renderFrontDockerfile, renderFrontDockerignore, renderFrontUpstream } from "./front.js";
import { COMPOSE_FILE } from "./layout.js";
import type { Target } from "./target.js";
import { readAsset, renderTemplate } from "./templates.js";

/** The files fdock generates for a project, by name in the bundle folder (BUNDLE_DIR). */
export type Bundle = Record<string, string>;

// compose-project.ts and the tests import it from here.
export { COMPOSE_FILE };

/** Everything fdock generates for a project on a target, by file name. Pure. */
export function renderBundle(project: Project, plan: WorkerPlan, target: Target): Bundle {
  const bundle: Bundle = {
    [COMPOSE_FILE]: renderCompose(project, plan, target),
    "gunicorn.Dockerfile": renderGunicornDockerfile(project, plan),
    // Both images build from the project folder; BuildKit reads <Dockerfile>.dockerignore
    // beside each Dockerfile instead of the project's own .dockerignore (dockerignore.ts).
    "gunicorn.Dockerfile.dockerignore": renderGunicornDockerignore(project),
    "gunicorn.conf.py": renderGunicornConf(),
    "fdock_wsgi.py": readAsset("images/gunicorn/fdock_wsgi.py"),
    "fdock_health.py": renderHealthCheck(),
    "with-app-env": renderAppEnvWrapper(),
    "nginx.Dockerfile": renderNginxDockerfile(project.config),
    "nginx.Dockerfile.dockerignore": renderNginxDockerignore(project),
    "nginx.conf": renderNginxConf(project.config, plan, target),
    "nginx-main.conf": renderNginxMainConf(plan),
    "nginx-upstream.conf": renderNginxUpstream(),
    ...(target.mode === "production"
      ? {
          "front.Dockerfile": renderFrontDockerfile(project.config),
          "front.Dockerfile.dockerignore": renderFrontDockerignore(),
          "front.conf": renderFrontConf(target),
          "front-upstream.conf": renderFrontUpstream(),
        }
      : {}),
    ".gitignore": renderTemplate("images/bundle.gitignore.tmpl"),
  };
  const requirements = renderBundledRequirements(project);
  if (requirements) bundle[BUNDLED_REQUIREMENTS] = requirements;
  return bundle;
}
