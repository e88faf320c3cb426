import { UserError } from "../errors.js";

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
