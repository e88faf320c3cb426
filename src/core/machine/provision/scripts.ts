import { MIN_ENGINE_VERSION } from "../../engine/capabilities.js";
import { fill, readAsset } from "../../render/templates.js";
import type { PackageFamily } from "./os-release.js";

/** Docker's own package repository for a host: its base URL and, for apt, the suite (codename). */
export interface DockerRepo {
  url: string;
  suite: string;
}

const DOCKER_DOWNLOADS = "https://download.docker.com/linux";

/**
 * Which of Docker's repositories fits the host (docs.docker.com/engine/install): debian, ubuntu
 * and raspbian for apt (Ubuntu derivatives by UBUNTU_CODENAME); fedora, rhel and centos (for
 * CentOS, Rocky, Alma) for dnf. None for Amazon Linux, whose own `docker` package is current.
 */
export function dockerRepoFor(family: PackageFamily, os: Record<string, string>): DockerRepo | null {
  const id = (os.ID ?? "").toLowerCase();
  const like = (os.ID_LIKE ?? "").toLowerCase().split(/\s+/);
  const name = (n: string, suite = "") => (/^[a-z0-9.-]*$/.test(suite) ? { url: `${DOCKER_DOWNLOADS}/${n}`, suite } : null);
  if (family === "apt") {
    if (id === "ubuntu" || like.includes("ubuntu")) return os.UBUNTU_CODENAME || os.VERSION_CODENAME ? name("ubuntu", os.UBUNTU_CODENAME || os.VERSION_CODENAME) : null;
    const suite = os.VERSION_CODENAME;
    if (!suite) return null;
    return name(id === "raspbian" ? "raspbian" : "debian", suite);
  }
  if (id === "amzn") return null;
  if (id === "fedora") return name("fedora");
  if (id === "rhel") return name("rhel");
  return name("centos");
}

/**
 * The provisioning script (provision/*.sh), run on the host by `sh -s` (as root, or through
 * `sudo -n`). Pure: tested by content. It installs the engine when dockerd is missing or older
 * than fdock supports, from Docker's repository when the host can reach it (it gives up within
 * seconds) and from the distribution's packages otherwise, saying which; it starts the engine
 * only when it does not answer. Prints `FDOCK_ENGINE=<version>` last.
 */
export function provisionScript(family: PackageFamily, user: string, repo: DockerRepo | null = null): string {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) throw new Error(`unsafe user name: ${user}`);
  return fill(readAsset("provision/provision.sh.tmpl"), {
    min_engine: MIN_ENGINE_VERSION,
    docker_repo: repo?.url ?? "",
    docker_suite: repo?.suite ?? "",
    install_functions: readAsset(`provision/${family}.sh`).trimEnd(),
    docker_group: user === "root" ? "" : fill(readAsset("provision/docker-group.sh.tmpl"), { user }).trimEnd(),
  });
}

/** How the script runs: root runs it directly; anyone else through sudo with no prompt. */
export function runAsRootCommand(user: string): string {
  return user === "root" ? "sh -s" : "sudo -n sh -s";
}
