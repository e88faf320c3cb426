import type { EngineCapabilities } from "../engine/capabilities.js";

/** Facts about where a stack will run, decided outside the renderers and passed in. */
export interface Target {
  /** development mounts the source and reloads; production bakes everything into images. */
  mode: "development" | "production";
  /** CPUs of the Docker engine that will run the stack (not of this laptop). */
  cpus: number;
  /** Where nginx is published: host address (null: all) and port (0: any free port). */
  publish: { host: string | null; port: number };
  /**
   * Development only: the uid:gid the app's containers run as, the invoking user's, so the
   * mounted source is readable (a 0700 or 0750 home) and what the app writes there is the user's.
   */
  devUser?: string;
  /**
   * Production with server names: the engine's edge owns ports 80 and 443 and routes the app's
   * names to its front, which then publishes nothing and joins the edge's network under `alias`.
   */
  edge?: { network: string; alias: string };
  /**
   * Production on a Swarm cluster: nginx is published on each node itself (no front) and finds
   * gunicorn's tasks by DNS at request time, as they move between nodes.
   */
  swarm?: boolean;
  /** What the engine's version allows; absent: a current engine (CURRENT_ENGINE). */
  engine?: EngineCapabilities;
}
