import { existsSync, readFileSync, statSync } from "node:fs";
import ssh2 from "ssh2";
import { PrecheckError, UserError } from "../../errors.js";

/**
 * Reads a private key the way ssh does: refused when others can read it, refused when it
 * needs a passphrase (fdock runs unattended; use a key without one for the machine).
 */
export function readPrivateKey(path: string): Buffer {
  if (!existsSync(path)) {
    throw new PrecheckError(`The SSH key ${path} does not exist.`, "Give the key the host trusts with --generic-ssh-key PATH.");
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new UserError(
      `Permissions 0${mode.toString(8)} for ${path} are too open: others can read this private key, so ssh (and fdock) refuse it.`,
      `Run \`chmod 600 ${path}\` and try again.`,
      undefined,
      3,
    );
  }
  const data = readFileSync(path);
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    const encrypted = /passphrase|encrypted/i.test(parsed.message);
    throw new UserError(
      encrypted ? `The SSH key ${path} is protected by a passphrase.` : `${path} is not a private key ssh understands (${parsed.message}).`,
      encrypted
        ? "fdock runs unattended: make a key without a passphrase for this host (`ssh-keygen -t ed25519 -N '' -f ~/.ssh/fdock_ed25519`) and add its .pub to the host's authorized_keys."
        : "Give an OpenSSH or PEM private key with --generic-ssh-key.",
      undefined,
      3,
    );
  }
  return data;
}
