#!/usr/bin/env bash
# What `npm run bench` needs besides fdock's own rig (Docker, Node, base images): wrk.
# Does nothing when it is already there.
set -euo pipefail
if command -v wrk >/dev/null; then exit 0; fi
echo "bench/setup: installing wrk (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wrk >/dev/null
