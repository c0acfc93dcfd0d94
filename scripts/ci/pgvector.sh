#!/usr/bin/env bash
# Installs the pgvector extension into the machine's PostgreSQL server (Debian 12) and makes sure the
# server is running. pgvector is not packaged for PostgreSQL 15 in Debian 12, so it is built from Debian's
# own source package (pgvector, from the next Debian release). Idempotent: a second run does nothing.
# Usage: bash scripts/ci/pgvector.sh        (needs root; about 30 s the first time; .ci/run calls it)
set -euo pipefail

major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$major" ] || { echo "pgvector.sh: no PostgreSQL server installed (apt-get install postgresql)" >&2; exit 1; }
ext=/usr/share/postgresql/$major/extension/vector.control

if [ ! -f "$ext" ]; then
  src=/etc/apt/sources.list.d/pgvector-src.sources
  if [ ! -f "$src" ]; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$src"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "postgresql-server-dev-$major" make gcc >/dev/null
  work=$(mktemp -d)
  (cd "$work" && apt-get source --download-only pgvector >/dev/null 2>&1 && tar xzf pgvector_*.orig.tar.gz)
  dir=$(ls -d "$work"/pgvector-*/ | head -n 1)
  make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" OPTFLAGS="" >/dev/null
  make -s -C "$dir" install PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" >/dev/null
  rm -rf "$work"
  built=1
fi

# start the cluster if it is down; restart it after a build (installing the dev package can upgrade the server)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
  pg_ctlcluster --skip-systemctl-redirect "$major" main start
elif [ "${built:-0}" = 1 ]; then
  pg_ctlcluster --skip-systemctl-redirect "$major" main restart
fi
for i in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432
# pgvector is not a trusted extension: create it as the superuser, in template1 too so new databases inherit it
for db in template1 postgres test; do
  if su postgres -c "psql -tAc \"select 1 from pg_database where datname='$db'\"" | grep -q 1; then
    su postgres -c "PGOPTIONS=--client-min-messages=warning psql -q -d $db -c 'CREATE EXTENSION IF NOT EXISTS vector'"
  fi
done
echo "pgvector ready for PostgreSQL $major"
