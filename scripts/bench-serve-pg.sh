#!/usr/bin/env bash
# `albumen serve` on PostgreSQL beside SQLite (issue 29's numbers): the same generated index of
# N items in a SQLite file and in a PostgreSQL database (a throw-away `pg_virtualenv -t` cluster,
# Debian's postgresql), then 50 clients for SECONDS on `/api/timeline` and on `/api/items`:
# against one server on SQLite, and split 25 + 25 over two servers on the one PostgreSQL
# database. wrk (Debian package `wrk`) measures; prints each run's requests/s and p50/p99, and
# the servers' peak RSS.
# Usage: scripts/bench-serve-pg.sh [N=100000] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; SECS=${2:-10}
BIN=$(realpath "${ALBUMEN_BIN:-target/release/albumen}")
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }
command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv not found (apt-get install postgresql)"; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet --bin albumen
# Runs itself again inside a throw-away cluster (pg_virtualenv sets PGHOST, PGPORT, PGUSER, …).
if [ -z "${ALBUMEN_BENCH_PG_INNER:-}" ]; then
  ALBUMEN_BENCH_PG_INNER=1 N=$N SECS=$SECS ALBUMEN_BIN=$BIN pg_virtualenv -t bash "$0" "$N" "$SECS" 2>&1 \
    | grep -v "^Creating new PostgreSQL cluster\|^Dropping cluster\|could not receive data"
  exit "${PIPESTATUS[0]}"
fi

source scripts/bench-lib.sh
url="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE"
bench_server          # SQLite: $tmp/index.db with N rows, a server on it (srv, base)
lite_srv=$srv; lite_base=$base
# The same rows on PostgreSQL: the seed file scanned (makes the schema), then N rows as above.
"$BIN" scan "$tmp/photos" --db "$url" --library bench >/dev/null 2>&1
psql -q <<SQL
INSERT INTO files (library_id, dir_id, name, path, path_text, size, mtime_ns, dev, inode, nlink,
  format, kind, capture_local, time_local, time_utc, lat, lon, make, model, width, height,
  first_run, read_run)
SELECT f.library_id, f.dir_id, convert_to('g' || i || '.jpg', 'UTF8'),
  convert_to('/nonexistent/g' || i || '.jpg', 'UTF8'), '/nonexistent/g' || i || '.jpg',
  1000, 0, 0, i, 1, 'jpeg', 'photo',
  to_char(to_timestamp(1420070400 + i * (315360000 / $N)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'),
  to_char(to_timestamp(1420070400 + i * (315360000 / $N)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'),
  to_char(to_timestamp(1420070400 + i * (315360000 / $N)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  CASE WHEN i % 5 < 3 THEN 40 + (i * 7919 % 15000) / 1000.0 END,
  CASE WHEN i % 5 < 3 THEN -5 + (i * 104729 % 30000) / 1000.0 END,
  'Bench', 'Camera ' || (i % 7), 4000, 3000, f.first_run, f.read_run
FROM generate_series(1::bigint, $N) AS i, (SELECT * FROM files LIMIT 1) f;
INSERT INTO keywords (file_id, keyword) SELECT id, 'birthday' FROM files WHERE id % 50 = 0
  ON CONFLICT DO NOTHING;
SQL
echo "bench password" | "$BIN" user add bench --db "$url" >/dev/null
"$BIN" user grant bench bench --db "$url" >/dev/null
pg_srv=(); pg_base=()
for k in 1 2; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$BIN" serve --db "$url" --listen "127.0.0.1:$port" --cache "$tmp/cache-pg$k" 2>/dev/null &
  pg_srv+=($!)
  pg_base+=("http://127.0.0.1:$port")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
done
trap 'kill $lite_srv "${pg_srv[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
base=$lite_base; lite_cookie=$(bench_cookie)
base=${pg_base[0]}; pg_cookie=$(bench_cookie)   # one login: the session is in the database
echo "items: SQLite $(curl -s -H "Cookie: $lite_cookie" "$lite_base/api/libraries" | grep -o "\"items\":[0-9]*"),"\
" PostgreSQL $(curl -s -H "Cookie: $pg_cookie" "${pg_base[1]}/api/libraries" | grep -o "\"items\":[0-9]*") (through the second server)"
run() { wrk -t1 -c"$1" -d"${SECS}s" --latency -H "Cookie: $2" "$3" | awk -v l="$4" \
  '/Requests\/sec/ {r=$2} /^ +50%/ {a=$2} /^ +99%/ {b=$2} /Non-2xx/ {e=$NF}
   END {printf "  %-34s %8s req/s  p50 %8s  p99 %8s%s\n", l, r, a, b, (e ? "  non-2xx " e : "")}'; }
for p in "/api/timeline?library=bench" "/api/items?library=bench&limit=100"; do
  echo "$p, 50 clients, ${SECS} s:"
  run 50 "$lite_cookie" "$lite_base$p" "SQLite, one server"
  run 25 "$pg_cookie" "${pg_base[0]}$p" "PostgreSQL, server 1 of 2 (25)" > "$tmp/a" &
  other=$!
  run 25 "$pg_cookie" "${pg_base[1]}$p" "PostgreSQL, server 2 of 2 (25)" > "$tmp/b"
  wait "$other" || true
  cat "$tmp/a" "$tmp/b"
done
for s in $lite_srv "${pg_srv[@]}"; do echo "server $s peak RSS: $(grep VmHWM /proc/$s/status | awk '{print $2, $3}')"; done
echo "database: SQLite $(du -k "$tmp/index.db" | cut -f1) KiB, PostgreSQL $(psql -tA -c "SELECT pg_database_size(current_database()) / 1024") KiB"
