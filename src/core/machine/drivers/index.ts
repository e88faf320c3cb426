/**
 * The drivers fdock knows: one entry each, with what `machine create --help` and flag parsing
 * need (description, flags; no SDK) and a loader that imports the driver itself on demand.
 * A new driver adds its entry.ts and one line here. Data only: `fdock --help` loads this file
 * (driverEntry in lookup.ts is the lookup that can fail).
 */
import type { DriverEntry } from "../driver.js";
import { amazonec2Entry } from "./amazonec2/entry.js";
import { fakeEntry } from "./fake/entry.js";
import { genericEntry } from "./generic/entry.js";

export const drivers: Record<string, DriverEntry> = Object.fromEntries([genericEntry, amazonec2Entry, fakeEntry].map((e) => [e.name, e]));

/** The drivers named in help and errors (not the hidden ones). */
export const shownDriverNames = (): string[] => Object.values(drivers).filter((d) => !d.hidden).map((d) => d.name);

export type { DriverEntry };
