import { UserError } from "../errors.js";

/** What fdock puts before a machine's name in the things it names after it: ssh alias, Docker context, AWS resources. */
export const FDOCK_PREFIX = "fdock-";

/** The tag every AWS resource of a machine carries, its value the machine's name. */
export const MACHINE_TAG = "fdock:machine";

/** "fdock-NAME": the ssh alias, Docker context, IAM user, key pair and security group of machine NAME. */
export const machineResourceName = (name: string): string => `${FDOCK_PREFIX}${name}`;

/** The machine a name made by machineResourceName belongs to, or null. */
export const machineOfResourceName = (name: string | undefined): string | null => (name?.startsWith(FDOCK_PREFIX) ? name.slice(FDOCK_PREFIX.length) : null);

/** docker-machine's rule: a letter or digit, then letters, digits, dots and dashes. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9.-]*$/;

export function isValidMachineName(name: string): boolean {
  return NAME.test(name) && name.length <= 63;
}

export function validateMachineName(name: string): string {
  if (!isValidMachineName(name)) {
    throw new UserError(
      `"${name}" is not a valid machine name.`,
      "Use letters, digits, dots and dashes, starting with a letter or digit, at most 63 characters (e.g. `web-1`).",
    );
  }
  return name;
}
