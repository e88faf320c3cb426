#!/bin/sh
# Starts pebble-challtestsrv as a DNS server only (every name answers PEBBLE_DNS_ADDRESS unless a
# test sets another address on its management port, 8055: POST /add-a), then
# Pebble, which asks it for every name it validates.
set -eu
: "${PEBBLE_DNS_ADDRESS:?set PEBBLE_DNS_ADDRESS to the address every host name should resolve to}"
# Pebble's own HTTPS certificate, for its names and every address this container has.
san="DNS:pebble,DNS:localhost,IP:127.0.0.1"
for ip in $(hostname -I); do san="$san,IP:$ip"; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj /CN=pebble \
  -addext "subjectAltName=$san" -keyout /etc/pebble/key.pem -out /etc/pebble/cert.pem 2>/dev/null
pebble-challtestsrv -defaultIPv4 "$PEBBLE_DNS_ADDRESS" -defaultIPv6 "" -dns01 127.0.0.1:8053 \
  -http01 "" -https01 "" -tlsalpn01 "" -management :8055 &
exec pebble -config /etc/pebble/config.json -dnsserver 127.0.0.1:8053 "$@"
