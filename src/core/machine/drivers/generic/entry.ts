/** The generic driver's registry entry: its flags, under docker-machine's names. Imports nothing heavy. */
import type { DriverEntry, DriverFlag } from "../../driver.js";
import { GENERIC_DRIVER } from "./name.js";



export const genericDescription = "An existing server you can already reach over SSH (any VPS, a university VM, a box under the desk)";

export const genericFlags: DriverFlag[] = [
  { name: "generic-ip-address", description: "IP address or host name of the server (required)", takesValue: true },
  { name: "generic-ssh-user", description: "SSH user: root, or a user with passwordless sudo", takesValue: true, defaultValue: "root" },
  { name: "generic-ssh-key", description: "Private key the server trusts (default: ~/.ssh/id_ed25519, then ~/.ssh/id_rsa); copied into the machine's folder", takesValue: true },
  { name: "generic-ssh-port", description: "SSH port", takesValue: true, defaultValue: "22" },
  { name: "generic-ssh-host-key", description: "The server's host key to pin: a key or known_hosts line (ssh-keyscan's output) or a SHA256:… fingerprint (default: pin the key first seen, and show its fingerprint)", takesValue: true },
];

export const genericEntry: DriverEntry = {
  name: GENERIC_DRIVER,
  description: genericDescription,
  flags: genericFlags,
  load: async () => (await import("./index.js")).genericFactory,
};
