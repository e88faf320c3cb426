# apt (Debian, Ubuntu). Functions run in `if` conditions, where `set -e` does not apply: every
# step that can fail says so with `|| return 1`.

# Docker's documented install: its signing key, its apt source, docker-ce and the plugins.
install_from_docker() {
  echo "fdock: trying Docker's apt repository ($DOCKER_REPO $DOCKER_SUITE)"
  apt-get update -q >/dev/null 2>&1 || true
  if ! command -v curl >/dev/null 2>&1; then
    apt-get install -y -q --no-install-recommends curl ca-certificates >/tmp/fdock-apt.log 2>&1 || { echo "fdock: could not install curl: using the distribution's packages instead"; return 1; }
  fi
  install -m 0755 -d /etc/apt/keyrings
  if ! err=$($FETCH "$DOCKER_REPO/gpg" -o /etc/apt/keyrings/docker.asc 2>&1); then
    rm -f /etc/apt/keyrings/docker.asc
    echo "fdock: Docker's apt repository cannot be reached ($(echo $err)): using the distribution's packages instead"
    return 1
  fi
  chmod a+r /etc/apt/keyrings/docker.asc
  echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] $DOCKER_REPO $DOCKER_SUITE stable" >/etc/apt/sources.list.d/docker.list
  # Docker's packages replace the distribution's: remove those first, as Docker's guide does.
  for pkg in docker.io docker-doc docker-compose docker-compose-v2 podman-docker containerd runc; do
    if dpkg -s "$pkg" >/dev/null 2>&1; then apt-get remove -y -q "$pkg" >/dev/null 2>&1 || true; fi
  done
  if apt-get update -q >/tmp/fdock-apt.log 2>&1 \
    && apt-get install -y -q docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin >>/tmp/fdock-apt.log 2>&1; then
    echo "fdock: installed docker-ce from Docker's apt repository"
    return 0
  fi
  tail -n 10 /tmp/fdock-apt.log
  rm -f /etc/apt/sources.list.d/docker.list /etc/apt/keyrings/docker.asc
  echo "fdock: installing from Docker's apt repository failed: using the distribution's packages instead"
  return 1
}

# The newest docker.io any configured source offers (Debian 12 alone: 20.10; with a trixie
# source or on Ubuntu 24.04: 24+), with docker-cli from the same suite where it is split out.
install_from_distribution() {
  apt-get update -q >/dev/null
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
  echo "fdock: apt-get install $pkgs ($best) from the distribution's sources"
  apt-get install -y -q --no-install-recommends $pkgs iptables ca-certificates >/tmp/fdock-apt.log 2>&1 || { tail -n 30 /tmp/fdock-apt.log >&2; exit 21; }
}
