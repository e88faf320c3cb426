/**
 * The drivers fdock knows: one entry each, with what `machine create --help` and flag parsing
 * need (description, flags; no SDK) and a loader that imports the driver itself on demand.
 * A new driver adds its entry.ts and one line here.
 */
import { UserError } from "../../errors.js";
import type { DriverFactory, DriverFlag } from "../driver.js";
import { amazonec2Entry } from "./amazonec2/entry.js";
import { fakeEntry } from "./fake/entry.js";
import { genericEntry } from "./generic/entry.js";

export interface DriverEntry {
  name: string;
  description: string;
  flags: DriverFlag[];
  /** Left out of help (the fake driver, for tests). */
  hidden?: boolean;
  /** Imports the driver's code (it may bring an SDK). */
  load(): Promise<DriverFactory>;
}

export const drivers: Record<string, DriverEntry> = Object.fromEntries([genericEntry, amazonec2Entry, fakeEntry].map((e) => [e.name, e]));

/** The drivers named in help and errors (not the hidden ones). */
export const shownDriverNames = (): string[] => Object.values(drivers).filter((d) => !d.hidden).map((d) => d.name);

/** A driver's entry, or a UserError naming the drivers there are. */
export function driverEntry(name: string): DriverEntry {
  const entry = drivers[name];
  if (!entry) throw new UserError(`There is no driver named "${name}".`, `Drivers: ${shownDriverNames().join(", ")}.`);
  return entry;
}
