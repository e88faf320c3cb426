/** The check a cluster deploy or rollback makes once Swarm rolled it out: the health path answers through nginx on every node. */
import { step, type Reporter } from "../../events.js";
import type { RemoteEngine } from "../../machine/remote.js";
import { healthRule } from "../../project/health.js";
import type { Project } from "../../project/model.js";
import { explainServeFailure } from "../../stack/failures.js";
import { waitForHttp } from "../../stack/http-check.js";

export async function checkEveryNode(reporter: Reporter, project: Project, nodes: RemoteEngine[], port: number, managerHost: string): Promise<void> {
  const rule = healthRule(project.config);
  const { health, server } = project.config;
  await step(reporter, "serve", `Check ${health.path} through nginx on every node`, () =>
    Promise.all(nodes.map((n) => waitForHttp(`http://${n.host}:${port}${health.path}`, server.names[0] ? { Host: server.names[0] } : {}, 30_000, rule.below))).catch((e: unknown) => {
      throw explainServeFailure(e, rule, managerHost);
    }),
  );
}
