#!/bin/sh
# The redis stand-in's entrypoint, with the official redis image's behaviour:
#   - a first argument that starts with "-" or ends in ".conf" is redis-server's: `redis-server` is put first;
#   - redis-server started as root makes the working directory (/data) the redis user's (999) and
#     runs as that user;
#   - protected mode off (the official image builds Redis with it off), unless the command line or
#     the config file sets it;
#   - files made with umask 0077 when the umask is the default 0022;
#   - the command then replaces this script (it is PID 1 and gets the stop signal itself).
set -e

case "${1:-}" in -* | *.conf) set -- redis-server "$@" ;; esac

if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# True when protected-mode is set on the command line or in the config file (redis-server's first argument).
sets_protected_mode() {
  for arg; do
    [ "$arg" != --protected-mode ] || return 0
  done
  case "${2:-}" in
    *.conf) [ -r "$2" ] && grep -Eqi '^[[:space:]]*protected-mode[[:space:]]' "$2" ;;
    *) return 1 ;;
  esac
}

if [ "${1:-}" = redis-server ] && ! sets_protected_mode "$@"; then
  set -- "$@" --protected-mode no
fi

if [ "$(umask)" = 0022 ]; then umask 0077; fi

exec "$@"
