import { isSupportedEngine, MIN_ENGINE_VERSION } from "../../engine/capabilities.js";
import { UserError } from "../../errors.js";
import { step, type Reporter } from "../../events.js";
import type { SshHints } from "../driver.js";
import { plainSshHints, type SshSession } from "../ssh/client.js";
import { packageFamily, parseOsRelease } from "./os-release.js";
import { dockerRepoFor, provisionScript, runAsRootCommand } from "./scripts.js";

export interface ProvisionResult {
  os: string;
  engineVersion: string;
}

/**
 * Installs and starts Docker on the host if missing (docker-machine's Provisioner, chosen from
 * /etc/os-release). `session` runs as the machine's user; `reconnect` opens a new login, in
 * which a sudo user's new docker group membership counts.
 */
export async function provision(
  name: string,
  session: SshSession,
  user: string,
  reporter: Reporter,
  reconnect: () => Promise<SshSession>,
  hints: SshHints = plainSshHints,
): Promise<ProvisionResult> {
  const osText = await session.exec("cat /etc/os-release");
  const os = parseOsRelease(osText.stdout);
  const family = packageFamily(os);
  const osName = os.PRETTY_NAME ?? os.ID ?? "unknown";
  if (!family) {
    throw new UserError(`fdock cannot provision ${osName}: it knows Debian, Ubuntu (apt) and Fedora, Amazon Linux, RHEL (dnf).`, `Install Docker Engine on the host yourself, then run \`fdock machine provision ${name}\`: it only starts what is missing.`);
  }
  if (user !== "root") {
    const sudo = await session.exec("sudo -n true");
    if (sudo.code !== 0) {
      throw new UserError(`User ${user} cannot run sudo without a password on the host (${sudo.stderr.trim()}).`, `${hints.rootUser}, or allow ${user} passwordless sudo (a line \`${user} ALL=(ALL) NOPASSWD:ALL\` in /etc/sudoers.d/).`);
    }
  }
  reporter.emit({ kind: "info", message: `host runs ${osName}: provisioning with ${family}` });
  const result = await step(reporter, "provision", "Install and start the Docker engine if missing or too old", async () => {
    const r = await session.exec(runAsRootCommand(user), { stdin: provisionScript(family, user, dockerRepoFor(family, os)), onOutput: (text) => reporter.emit({ kind: "output", text }) });
    if (r.code !== 0) {
      throw new UserError(`Provisioning failed on the host (exit ${r.code}).`, `The host's output is above; fix the cause and run \`fdock machine provision ${name}\` again (it is safe to repeat).`, (r.stdout + r.stderr).trim().split("\n").slice(-30).join("\n"));
    }
    return r;
  });
  for (const line of result.stdout.split("\n")) if (line.startsWith("fdock: ")) reporter.emit({ kind: "info", message: line.slice(7) });
  // A fresh login, as the user: what the docker CLI's ssh context will do.
  const check = await reconnect();
  try {
    const v = await check.exec("docker version --format '{{.Server.Version}}'");
    if (v.code !== 0) throw new UserError(`Docker is installed but ${user} cannot use it: ${v.stderr.trim()}`, `Run \`fdock machine provision ${name}\` again.`);
    const engineVersion = v.stdout.trim();
    if (!isSupportedEngine(engineVersion)) {
      reporter.emit({ kind: "info", message: `warning: Docker Engine ${engineVersion} is older than ${MIN_ENGINE_VERSION}, the oldest fdock deploys to: \`fdock up --remote\` will refuse it. Make a newer engine reachable (Docker's repository, or an apt/dnf source with a newer docker.io) and run \`fdock machine provision ${name}\` again.` });
    }
    return { os: osName, engineVersion };
  } finally {
    check.close();
  }
}
