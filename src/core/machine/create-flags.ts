/**
 * The driver flags of `fdock machine create`, from the options commander parsed (camelCase
 * keys): the chosen driver's values, and a clear error for a flag of another driver.
 */
import { UserError } from "../errors.js";
import type { FlagValues } from "./driver.js";
import { drivers } from "./drivers/index.js";
import { driverEntry } from "./drivers/lookup.js";

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function driverFlagValues(driver: string, options: Record<string, unknown>): FlagValues {
  const summary = driverEntry(driver);
  const flags: FlagValues = {};
  for (const f of summary.flags) flags[f.name] = options[camel(f.name)] as FlagValues[string];
  for (const [other, s] of Object.entries(drivers)) {
    if (other === driver) continue;
    const stray = s.flags.find((f) => options[camel(f.name)] !== undefined);
    if (stray) throw new UserError(`--${stray.name} belongs to the ${other} driver, not ${driver}.`, `Use --driver ${other}, or drop the flag.`);
  }
  return flags;
}
