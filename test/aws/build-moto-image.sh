#!/bin/sh
# Builds the moto (AWS API emulator) image the aws test suite runs: moto 5.1.1 from Debian trixie,
# bootstrapped from the mirror this machine's apt already uses. A no-op when the image exists.
#   usage: test/aws/build-moto-image.sh [IMAGE]   (default fdock-test/moto:5)
set -eu
IMAGE="${1:-${FDOCK_MOTO_IMAGE:-fdock-test/moto:5}}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "moto image $IMAGE exists"
  exit 0
fi

# The mirror: the first URIs: line of apt's deb822 sources (or the first deb line of sources.list).
MIRROR=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  MIRROR=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
  MIRROR=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
fi
if [ -z "$MIRROR" ]; then
  echo "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list" >&2
  exit 1
fi
command -v debootstrap >/dev/null 2>&1 || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

ROOT=$(mktemp -d /tmp/fdock-moto-root.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT INT TERM
echo "bootstrapping trixie with python3-moto from $MIRROR into $ROOT (about a minute)"
debootstrap --variant=minbase \
  --include=python3-moto,python3-flask-cors,python3-flask,python3-cffi-backend \
  trixie "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || { tail -n 30 "$ROOT.log" >&2; rm -f "$ROOT.log"; exit 1; }
rm -f "$ROOT.log"
tar -C "$ROOT" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["moto_server","-H","0.0.0.0","-p","5000"]' \
  - "$IMAGE" >/dev/null
echo "built $IMAGE"
