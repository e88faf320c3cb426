/**
 * Checks for `fdock machine create` flag values, run where a driver parses its flags: these
 * values end up in fdock's ssh config (which ~/.ssh/config includes), in ssh's and docker's
 * arguments and in the machine's config. Every failure names the flag and what is allowed.
 */
import { isIP } from "node:net";
import { UserError } from "../errors.js";

/** A machine create flag with a value its target cannot take. */
export class FlagError extends UserError {}

/** Shows a bad value with its line breaks and control characters visible ("a\nb"). */
export const shown = (value: string): string => JSON.stringify(value);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const WHITESPACE = /\s/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** A single token (an id, a name, a profile): no whitespace, no control characters. */
export function checkToken(flag: string, value: string, what = "a single word"): string {
  if (WHITESPACE.test(value) || CONTROL.test(value)) {
    throw new FlagError(`--${flag} ${shown(value)} has spaces, line breaks or control characters.`, `Give ${what}, with none of those.`);
  }
  return value;
}

/** Free text that may hold spaces (a file path, a host key line): no line breaks or control characters. */
export function checkText(flag: string, value: string, what = "one line"): string {
  if (CONTROL.test(value)) {
    throw new FlagError(`--${flag} ${shown(value)} has a line break or a control character.`, `Give ${what}, without line breaks or control characters.`);
  }
  return value;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS host name: dot-separated labels of letters, digits and dashes; an optional final dot. */
export function isHostName(value: string): boolean {
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  return name.length > 0 && name.length <= 253 && name.split(".").every((l) => LABEL.test(l)) && !/^[\d.]+$/.test(name);
}

/** A server address: an IPv4 or IPv6 address or a DNS host name. */
export function checkHostAddress(flag: string, value: string): string {
  if (isIP(value) !== 0 || isHostName(value)) return value;
  throw new FlagError(
    `--${flag} ${shown(value)} is not an IPv4 or IPv6 address or a host name.`,
    "Give the server's address, like 203.0.113.10, 2001:db8::10 (no brackets) or server.example.com: no spaces, line breaks or other characters.",
  );
}

/** A login name as useradd and sshd take it: a letter or _, then letters, digits, . _ -, at most 32. */
export function checkUserName(flag: string, value: string): string {
  if (/^[A-Za-z_][A-Za-z0-9._-]{0,31}$/.test(value)) return value;
  throw new FlagError(`--${flag} ${shown(value)} is not a user name.`, "Give a login name like root, ubuntu or deploy: a letter or _, then letters, digits, . _ or -, at most 32 characters.");
}

/** A TCP port from 1 to 65535, as text from the command line. */
export function checkPort(flag: string, text: string): number {
  const port = Number(text);
  if (/^\d{1,5}$/.test(text) && port >= 1 && port <= 65535) return port;
  throw new FlagError(`--${flag} ${shown(text)} is not a port.`, "Give a port number from 1 to 65535.");
}
