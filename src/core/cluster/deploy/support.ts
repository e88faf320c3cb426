/** What a cluster deploy does not do yet, refused before anything is built. */
import { UserError } from "../../errors.js";
import type { ProjectConfig } from "../../project/model.js";

/** Refuses fdock.yaml settings a cluster deploy cannot honour yet, naming the key. */
export function checkClusterSupport(config: ProjectConfig, cluster: string): void {
  // Swarm names (secrets, one-off jobs) are at most 64 characters: the app's name, then fdock's part.
  const longest = config.name.length + "_postgres-password".length;
  if (longest > 63) {
    throw new UserError(`name in fdock.yaml ("${config.name}") is too long for a cluster: at most ${63 - "_postgres-password".length} characters (Swarm's names for the app's secrets and tasks start with it).`, `Give the app a shorter name: in fdock.yaml, and deploy to cluster ${cluster} again.`);
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
