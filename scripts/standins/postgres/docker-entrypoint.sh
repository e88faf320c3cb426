#!/usr/bin/env bash
# The postgres stand-in's entrypoint, with the official postgres image's behaviour:
#   - `postgres [ARGS]` (or ARGS alone, when the first starts with "-") runs the server; any other
#     command runs as given;
#   - POSTGRES_PASSWORD, POSTGRES_USER (postgres), POSTGRES_DB (the user's name), POSTGRES_INITDB_ARGS,
#     each also from a file named by the same variable with _FILE (a Docker secret);
#     POSTGRES_HOST_AUTH_METHOD (scram-sha-256) for connections over the network;
#   - started as root, it makes PGDATA the postgres user's (999) and runs again as that user;
#   - an empty PGDATA is initialised (initdb, the user's password, POSTGRES_DB, then the scripts in
#     /docker-entrypoint-initdb.d), a database already there is left as it is;
#   - the server then replaces this script (it is PID 1 and gets the stop signal itself).
set -Eeuo pipefail

fail() { echo "error: $*" >&2; exit 1; }

# VAR from the environment, or from the file VAR_FILE names (not both); DEFAULT when neither.
from_env_or_file() { # VAR DEFAULT
  local var=$1 file_var="${1}_FILE" value=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    fail "both $var and $file_var are set; set one"
  fi
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || fail "$file_var names ${!file_var}, which cannot be read"
    value=$(<"${!file_var}")
  fi
  export "$var=$value"
  unset "$file_var"
}

# True when the server is only asked for information (help, version, one setting).
only_asks() {
  local arg
  for arg; do
    case "$arg" in -'?'|--help|--describe-config|-V|--version|-C) return 0 ;; esac
  done
  return 1
}

# Runs SQL from stdin as the initial user, over the socket of the setup server.
setup_sql() { psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" "$@"; }

run_init_scripts() {
  local f
  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
      *.sql) echo "$0: running $f"; setup_sql --dbname "$POSTGRES_DB" <"$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | setup_sql --dbname "$POSTGRES_DB" ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
}

initialise() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    fail "the database is not initialised and no superuser password is set.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a password for the superuser $POSTGRES_USER,
  or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without one (not recommended)."
  fi
  # The password reaches initdb through a pipe, never a command line. POSTGRES_INITDB_ARGS is a
  # list of arguments, as in the official image.
  if [ -n "$POSTGRES_PASSWORD" ]; then
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
  else
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
  fi
  # Local connections stay trusted (initdb's default); over the network, the password.
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
  # A setup server on the socket only: nothing outside sees the database before it is ready.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  if [ "$POSTGRES_DB" != postgres ]; then
    setup_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  run_init_scripts
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
}

if [ "${1:0:1}" = - ]; then set -- postgres "$@"; fi
if [ "${1:-}" != postgres ] || only_asks "$@"; then exec "$@"; fi

from_env_or_file POSTGRES_PASSWORD
from_env_or_file POSTGRES_USER postgres
from_env_or_file POSTGRES_DB "$POSTGRES_USER"
from_env_or_file POSTGRES_INITDB_ARGS
export POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
export PGDATA=${PGDATA:-/var/lib/postgresql/data}

mkdir -p "$PGDATA" && chmod 700 "$PGDATA" 2>/dev/null || true
mkdir -p /var/run/postgresql && chmod 3777 /var/run/postgresql 2>/dev/null || true
if [ "$(id -u)" = 0 ]; then
  # A volume made by root (or another user) becomes the postgres user's, then this script runs as it.
  find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
  export HOME=/var/lib/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ -s "$PGDATA/PG_VERSION" ]; then
  echo
  echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  echo
else
  initialise
fi
unset POSTGRES_PASSWORD
exec "$@"
