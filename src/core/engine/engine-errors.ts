import { PrecheckError } from "../errors.js";
import { MIN_ENGINE_VERSION } from "./capabilities.js";

/** Where an engine is, for messages: the local one (DOCKER_HOST or the socket) or an fdock machine's. */
export type EngineLocation = { kind: "local"; address: string } | { kind: "machine"; name: string; host: string };

function describe(where: EngineLocation): string {
  return where.kind === "local" ? `at ${where.address}` : `on machine "${where.name}" (${where.host})`;
}

/** No engine answered (not started, wrong DOCKER_HOST, host down, SSH refused). Exit code 3. */
export class EngineUnreachableError extends PrecheckError {
  constructor(readonly where: EngineLocation, reason: string) {
    super(
      `No Docker engine answers ${describe(where)} (${reason}).`,
      where.kind === "local"
        ? "Start Docker (on Debian without systemd: `setsid dockerd &`; the repo's scripts/rig does it), or point DOCKER_HOST at a running engine."
        : `See whether the host is up with \`fdock machine status ${where.name}\`; if it is, \`fdock machine provision ${where.name}\` starts Docker on it (safe to repeat).`,
    );
  }
}

/** The engine is older than fdock supports: found before anything is built. Exit code 3. */
export class EngineTooOldError extends PrecheckError {
  constructor(readonly where: EngineLocation, readonly version: string) {
    super(
      `The Docker engine ${describe(where)} is version ${version}; fdock needs Docker Engine ${MIN_ENGINE_VERSION} or later.`,
      where.kind === "local"
        ? `Upgrade Docker Engine: Docker's own packages (https://docs.docker.com/engine/install/), your distribution's newer docker.io, or a current Docker Desktop.`
        : `Run \`fdock machine provision ${where.name}\`: it replaces an engine older than ${MIN_ENGINE_VERSION} with docker-ce from Docker's repository (download.docker.com), or with the newest docker.io the host's apt/dnf sources offer when that repository cannot be reached (add a source that has a newer one first).`,
    );
  }
}
