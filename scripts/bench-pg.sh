#!/usr/bin/env bash
# The index on PostgreSQL beside SQLite, same tree, same binary, one run (issue 29):
#   bash scripts/bench-pg.sh TREE [BIN]
# Needs Debian's postgresql (pg_virtualenv makes a throw-away cluster). Prints the first scan and
# the rescan of each engine, their ratio, the peak RSS of the scanner and the database sizes.
set -euo pipefail
TREE=$(cd "$1" && pwd); BIN=$(realpath "${2:-target/release/albumen}")
command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv is not installed (apt: postgresql)"; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export TREE BIN work
pg_virtualenv -t bash -c '
  url="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE"
  run() { /usr/bin/time -f "%e %M" -o "$work/t" "$BIN" scan "$TREE" --db "$1" --library bench >/dev/null 2>&1 || true; cat "$work/t"; }
  read ls lk < <(run "$work/index.db"); read lr lrk < <(run "$work/index.db")
  read ps pk < <(run "$url"); read pr prk < <(run "$url")
  files=$(psql -tA -c "SELECT count(*) FROM files")
  pgsize=$(psql -tA -c "SELECT pg_database_size(current_database()) / 1024")
  echo "tree: $TREE ($files files)"
  echo "first scan: SQLite ${ls}s (peak ${lk} KB), PostgreSQL ${ps}s (peak ${pk} KB): $(echo "scale=2; $ps / $ls" | bc)x"
  echo "rescan:     SQLite ${lr}s, PostgreSQL ${pr}s: $(echo "scale=2; $pr / $lr" | bc)x"
  echo "database:   SQLite $(du -k "$work/index.db" | cut -f1) KiB (+ WAL $(du -k "$work/index.db-wal" 2>/dev/null | cut -f1 || echo 0) KiB), PostgreSQL ${pgsize} KiB"
' 2>&1 | grep -v "^Creating new PostgreSQL cluster\|^Dropping cluster\|could not receive data"
