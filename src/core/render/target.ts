import type { EngineCapabilities } from "../engine/capabilities.js";

/** Facts about where a stack will run, decided outside the renderers and passed in. */
export interface Target {
  /** development mounts the source and reloads; production bakes everything into images. */
  mode: "development" | "production";
  /** CPUs of the Docker engine that will run the stack (not of this laptop). */
  cpus: number;
  /** Where nginx is published: host address (null: all) and port (0: any free port). */
  publish: { host: string | null; port: number };
  /** What the engine's version allows; absent: a current engine (CURRENT_ENGINE). */
  engine?: EngineCapabilities;
}

/** Files fdock writes under the project's .fdock/ folder, by name. */
export type Bundle = Record<string, string>;

export const BUNDLE_DIR = ".fdock";
