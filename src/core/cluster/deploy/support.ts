/** What a cluster deploy does not do yet, refused before anything is built. */
import { UserError } from "../../errors.js";
import type { ProjectConfig } from "../../project/model.js";

/** Refuses fdock.yaml settings a cluster deploy cannot honour yet, naming the key. */
export function checkClusterSupport(config: ProjectConfig, cluster: string): void {
  const services = Object.keys(config.services).filter((k) => config.services[k as keyof typeof config.services]);
  if (services.length) {
    throw new UserError(
      `fdock cannot deploy an app with services (${services.join(", ")}) to a cluster yet.`,
      `Deploy it to one machine (\`fdock up --remote MACHINE\`), or remove services: from fdock.yaml to deploy to cluster ${cluster}.`,
    );
  }
  const processes = Object.keys(config.processes);
  if (processes.length) {
    throw new UserError(`fdock cannot deploy an app with processes (${processes.join(", ")}) to a cluster yet.`, "Deploy it to one machine (`fdock up --remote MACHINE`).");
  }
  if (config.tls) {
    throw new UserError("fdock cannot serve HTTPS (tls in fdock.yaml) on a cluster yet: the edge runs on one engine.", "Deploy it to one machine (`fdock up --remote MACHINE`), or remove tls: to serve HTTP on the cluster.");
  }
  if (config.persistent.length) {
    throw new UserError(
      `persistent in fdock.yaml (${config.persistent.join(", ")}) cannot be kept on a cluster: each node would have its own copy of those folders, and each replica would see different data.`,
      "Keep the data in a database outside the app's folders, and remove persistent: from fdock.yaml; or deploy to one machine (`fdock up --remote MACHINE`).",
    );
  }
}
