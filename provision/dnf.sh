# dnf (Fedora, RHEL kin, Amazon Linux). Functions run in `if` conditions, where `set -e` does
# not apply: every step that can fail says so with `|| return 1`.

# Docker's documented install: its docker-ce.repo, docker-ce and the plugins.
install_from_docker() {
  echo "fdock: trying Docker's dnf repository ($DOCKER_REPO)"
  command -v curl >/dev/null 2>&1 || { echo "fdock: no curl on this host: using the distribution's packages instead"; return 1; }
  if ! err=$($FETCH "$DOCKER_REPO/docker-ce.repo" -o /etc/yum.repos.d/docker-ce.repo 2>&1); then
    rm -f /etc/yum.repos.d/docker-ce.repo
    echo "fdock: Docker's dnf repository cannot be reached ($(echo $err)): using the distribution's packages instead"
    return 1
  fi
  if dnf install -y -q --allowerasing docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin >/tmp/fdock-dnf.log 2>&1; then
    echo "fdock: installed docker-ce from Docker's dnf repository"
    return 0
  fi
  tail -n 10 /tmp/fdock-dnf.log
  rm -f /etc/yum.repos.d/docker-ce.repo
  echo "fdock: installing from Docker's dnf repository failed: using the distribution's packages instead"
  return 1
}

install_from_distribution() {
  echo "fdock: dnf install docker from the distribution's repositories"
  dnf install -y -q docker >/tmp/fdock-dnf.log 2>&1 || { tail -n 30 /tmp/fdock-dnf.log >&2; exit 21; }
}
