import type { DriverFactory } from "../../driver.js";

export const genericFactory: DriverFactory = {
  async fromFlags(flags, env) {
    const { GenericDriver, genericOptionsFromFlags } = await import("./driver.js");
    return new GenericDriver(genericOptionsFromFlags(flags, env));
  },
  async load(data, dir) {
    const { GenericDriver } = await import("./driver.js");
    return GenericDriver.fromData(data, dir);
  },
};

export default genericFactory;
