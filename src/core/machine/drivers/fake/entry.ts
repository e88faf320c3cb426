/** The fake driver's registry entry (hidden from help: it is for fdock's own tests). */
import type { DriverEntry, DriverFlag } from "../../driver.js";


export const fakeDescription = "No host at all: for fdock's own tests";

export const fakeFlags: DriverFlag[] = [
  { name: "fake-ip", description: "the address it reports", takesValue: true, defaultValue: "192.0.2.1" },
  { name: "fake-fail-create", description: "fail after making the (pretend) host", takesValue: false },
  { name: "fake-ip-after-start", description: "the address it reports after a start (a cloud host's new public IP)", takesValue: true },
];

export const fakeEntry: DriverEntry = {
  name: "fake",
  description: fakeDescription,
  flags: fakeFlags,
  hidden: true,
  load: async () => (await import("./index.js")).fakeFactory,
};
