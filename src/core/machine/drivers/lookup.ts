import { UserError } from "../../errors.js";
import type { DriverEntry } from "../driver.js";
import { drivers, shownDriverNames } from "./index.js";

/** A driver's entry, or a UserError naming the drivers there are. */
export function driverEntry(name: string): DriverEntry {
  const entry = drivers[name];
  if (!entry) throw new UserError(`There is no driver named "${name}".`, `Drivers: ${shownDriverNames().join(", ")}.`);
  return entry;
}
