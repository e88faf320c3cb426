import type { PackageFamily } from "./os-release.js";

/**
 * The provisioning script, run on the host by `sh -s` (as root, or through `sudo -n`). Pure:
 * tested by content. Idempotent: it installs the engine only when dockerd is missing and
 * starts it only when it does not answer. Prints `FDOCK_ENGINE=<version>` last.
 */
export function provisionScript(family: PackageFamily, user: string): string {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) throw new Error(`unsafe user name: ${user}`);
  return [
    "set -eu",
    "export DEBIAN_FRONTEND=noninteractive",
    // A fresh cloud host may still be running cloud-init (which installs Docker itself on EC2):
    // wait for it, or apt would meet its dpkg lock.
    "if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi",
    "if ! command -v dockerd >/dev/null 2>&1; then",
    '  echo "fdock: installing the Docker engine"',
    family === "apt" ? APT_INSTALL : DNF_INSTALL,
    "else",
    '  echo "fdock: the Docker engine is installed"',
    "fi",
    user === "root" ? "" : GROUP.replace(/__USER__/g, user),
    START,
    'echo "FDOCK_ENGINE=$(docker version --format "{{.Server.Version}}")"',
    "",
  ].join("\n");
}

/**
 * The newest docker.io any configured source offers (bookworm alone: 20.10; with a trixie
 * source or on Ubuntu 24.04: 24+), with docker-cli from the same suite where it is split out.
 */
const APT_INSTALL = `  apt-get update -q >/dev/null
  best=""; suite=""
  apt-cache madison docker.io >/tmp/fdock-madison
  while IFS='|' read -r _ ver src; do
    ver=$(echo $ver); s=$(echo $src | awk '{print $2}' | cut -d/ -f1)
    [ -n "$ver" ] || continue
    if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$best"; then best=$ver; suite=$s; fi
  done </tmp/fdock-madison
  [ -n "$best" ] || { echo "fdock: no docker.io package in this host's apt sources" >&2; exit 20; }
  pkgs="docker.io/$suite"
  if apt-cache madison docker-cli 2>/dev/null | grep -q " $suite/"; then pkgs="$pkgs docker-cli/$suite"; fi
  echo "fdock: apt-get install $pkgs ($best)"
  apt-get install -y -q --no-install-recommends $pkgs iptables ca-certificates >/tmp/fdock-apt.log 2>&1 || { tail -n 30 /tmp/fdock-apt.log >&2; exit 21; }`;

const DNF_INSTALL = `  dnf install -y -q docker >/tmp/fdock-dnf.log 2>&1 || { tail -n 30 /tmp/fdock-dnf.log >&2; exit 21; }`;

/** A sudo user runs docker without sudo: the docker group (effective from the next login). */
const GROUP = `getent group docker >/dev/null 2>&1 || groupadd docker
if ! id -nG __USER__ | tr ' ' '\\n' | grep -qx docker; then usermod -aG docker __USER__; echo "fdock: added __USER__ to the docker group"; fi`;

/** systemd where there is one; otherwise (containers, minimal hosts) dockerd in the background. */
const START = `if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl enable --now docker >/dev/null 2>&1 && sleep 1 && docker info >/dev/null 2>&1; then
    echo "fdock: started docker with systemd"
  else
    echo "fdock: starting dockerd in the background (log: /var/log/fdock-dockerd.log)"
    setsid nohup dockerd >/var/log/fdock-dockerd.log 2>&1 </dev/null &
  fi
  i=0
  until docker info >/dev/null 2>&1; do
    i=$((i+1))
    if [ $i -gt 60 ]; then echo "fdock: dockerd did not answer within 60 s" >&2; tail -n 20 /var/log/fdock-dockerd.log >&2 || true; exit 22; fi
    sleep 1
  done
else
  echo "fdock: the Docker engine is running"
fi`;

/** How the script runs: root runs it directly; anyone else through sudo with no prompt. */
export function runAsRootCommand(user: string): string {
  return user === "root" ? "sh -s" : "sudo -n sh -s";
}
