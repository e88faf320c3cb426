/**
 * The drivers fdock knows, in two maps. `driverFlags`: descriptions and flag lists only (no
 * SDK), so the CLI can build `machine create --help` and parse flags cheaply.
 * `driverFactories`: the drivers themselves, imported on demand. A new driver adds one line
 * to each.
 */
import type { DriverFactory, DriverFlag } from "../driver.js";
import { amazonec2Description, amazonec2Flags } from "./amazonec2/flags.js";
import { fakeDescription, fakeFlags } from "./fake/flags.js";
import { genericDescription, genericFlags } from "./generic/flags.js";

export interface DriverSummary {
  description: string;
  flags: DriverFlag[];
  /** Left out of help (the fake driver, for tests). */
  hidden?: boolean;
}

export const driverFlags: Record<string, DriverSummary> = {
  generic: { description: genericDescription, flags: genericFlags },
  amazonec2: { description: amazonec2Description, flags: amazonec2Flags },
  fake: { description: fakeDescription, flags: fakeFlags, hidden: true },
};

export const driverFactories: Record<string, () => Promise<DriverFactory>> = {
  generic: async () => (await import("./generic/index.js")).genericFactory,
  amazonec2: async () => (await import("./amazonec2/factory.js")).amazonec2Factory,
  fake: async () => (await import("./fake/index.js")).fakeFactory,
};
