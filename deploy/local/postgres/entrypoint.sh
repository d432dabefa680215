#!/usr/bin/env bash
# Initialises the cluster on first start, as the official image does, then runs the server.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
user="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
  initdb --username="$user" --pwfile="$password_file" --auth-host=scram-sha-256 --auth-local=trust \
    --encoding=UTF8 -D "$PGDATA" >/dev/null
  rm -f "$password_file"
  printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  database="${POSTGRES_DB:-$user}"
  if [ "$database" != postgres ]; then
    postgres --single -D "$PGDATA" -c listen_addresses='' postgres <<<"CREATE DATABASE \"$database\" OWNER \"$user\";" >/dev/null
  fi
fi
exec "$@" -D "$PGDATA"
