import { UserError } from "../errors.js";
import { LETS_ENCRYPT_DIRECTORY } from "../render/edge-layout.js";

/**
 * An ACME failure as the user can act on it: lego's error (from its log on stderr) shown plainly,
 * with what to check for the kind of problem the ACME server named.
 */
export class AcmeError extends UserError {}

/** lego's lines that say what went wrong (its errors, the ACME server's problem documents). */
export function legoErrorLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, "").trim())
    .filter((l) => /error|problem|failed|could not|unable|timeout|refused/i.test(l));
}

function hintFor(text: string, names: readonly string[], directory: string): string {
  const list = names.join(", ");
  if (/x509:|certificate signed by unknown authority|tls: failed to verify/i.test(text)) {
    return `The ACME server's own certificate is not trusted. For a private or test ACME server, set tls.acme_ca to its CA bundle (a PEM file).`;
  }
  if (/rateLimited|too many certificates|rate limit/i.test(text)) {
    return `The ACME server limits how many certificates a name gets; wait as its message says. For trials use a staging directory (tls.acme_directory, e.g. Let's Encrypt's staging).`;
  }
  if (/error:dns|NXDOMAIN|no valid A records|DNS problem|SERVFAIL|no such host.*(?:\b|_)(?:acme|challenge)/i.test(text)) {
    return `Check DNS: each of ${list} needs an A (or AAAA) record with this machine's public address (\`dig +short NAME\`), and new records can take a while to be seen.`;
  }
  if (/error:(?:connection|unauthorized|incorrectResponse)|Timeout during connect|Connection refused|Fetching http|invalid response|404/i.test(text)) {
    return `Check that ${list} resolve to this machine and that port 80 on it is open to the internet (firewall, cloud security group): the ACME server fetches http://NAME/.well-known/acme-challenge/… from this machine's edge.`;
  }
  if (/no such host|dial tcp|connect: |i\/o timeout|get directory/i.test(text)) {
    return `The ACME directory ${directory} did not answer from the Docker host. Check tls.acme_directory${directory === LETS_ENCRYPT_DIRECTORY ? "" : " (the default is Let's Encrypt)"} and that the host reaches it over HTTPS.`;
  }
  return `Check that ${list} resolve to this machine, that port 80 on it is open to the internet, and that the ACME directory ${directory} answers.`;
}

export function acmeFailure(names: readonly string[], directory: string, stderr: string): AcmeError {
  const lines = legoErrorLines(stderr);
  const text = lines.join("\n") || stderr;
  return new AcmeError(`Could not get a certificate for ${names.join(", ")} from ${directory}.`, hintFor(text, names, directory), (lines.length ? lines : stderr.trim().split("\n")).slice(-12).join("\n"));
}
