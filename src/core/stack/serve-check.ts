/**
 * Where a deployed app answers, and the last step of a deploy or a rollback: its health path asked
 * through what users reach (the edge, or the published front or nginx), by the project's health rule.
 */
import { step, type Reporter } from "../events.js";
import { healthRule } from "../project/health.js";
import type { ProjectConfig } from "../project/model.js";
import { explainServeFailure } from "./failures.js";
import { waitForHttp } from "./http-check.js";

/** How users reach the app: through the edge (by its names), or a published port. */
export interface Entry {
  scheme: "http" | "https";
  /** The engine's address from here (127.0.0.1 on this computer, the machine's host remotely). */
  host: string;
  port: number;
  /** Behind the edge: users reach it by its first server name. */
  edge: boolean;
}

/** The address fdock prints: the first server name behind the edge, else host and port ("localhost" here). */
export function servedUrl(entry: Entry, config: Pick<ProjectConfig, "server">): string {
  const name = config.server.names[0];
  if (entry.edge && name) return `${entry.scheme}://${name}/`;
  return `http://${entry.host === "127.0.0.1" ? "localhost" : entry.host}:${entry.port}/`;
}

/** The "serve" step: GET health.path through the entry (Host: the first server name) until it answers healthy. */
export async function checkServing(reporter: Reporter, config: Pick<ProjectConfig, "server" | "health">, entry: Entry, remoteHost?: string): Promise<void> {
  const names = config.server.names;
  const rule = healthRule(config);
  await step(reporter, "serve", `Check ${config.health.path} through ${entry.edge ? "the edge" : "nginx"}`, () =>
    waitForHttp(`${entry.scheme}://${entry.host}:${entry.port}${config.health.path}`, names[0] ? { Host: names[0] } : {}, 30_000, rule.below).catch((e: unknown) => {
      throw explainServeFailure(e, rule, remoteHost);
    }),
  );
}
