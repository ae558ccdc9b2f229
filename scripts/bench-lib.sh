# Sourced by scripts/bench-serve.sh, bench-search.sh and bench-page.sh: one generated index and
# one server for the three benches. Needs BIN and N set; sets tmp, srv, port and base, and
# removes everything on exit. The index: one scanned seed file, then N synthetic rows spread
# over 10 years, 60 % with a position in Europe, 7 camera models, the keyword "birthday" on
# every 50th; their paths do not exist (the benches measure the API and the page, not
# previews: every thumbnail is the server's grey "no preview" tile). User "bench" (password
# "bench password") may see library "bench".
bench_server() {
  tmp=$(mktemp -d /tmp/albumen-bench.XXXXXX); srv=
  trap '[ -n "$srv" ] && kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/photos"
  convert -size 64x48 xc:gray "$tmp/photos/seed.jpg"
  "$BIN" scan "$tmp/photos" --db "$tmp/index.db" --library bench >/dev/null 2>&1 || true
  sqlite3 "$tmp/index.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO files (library_id, dir_id, name, path, path_text, size, mtime_ns, dev, inode, nlink,
  format, kind, capture_local, time_local, time_utc, lat, lon, make, model, width, height,
  first_run, read_run)
SELECT f.library_id, f.dir_id, CAST('g' || i || '.jpg' AS BLOB), CAST('/nonexistent/g' || i || '.jpg' AS BLOB),
  '/nonexistent/g' || i || '.jpg', 1000, 0, 0, i, 1, 'jpeg', 'photo',
  strftime('%Y-%m-%dT%H:%M:%S', 1420070400 + i * (315360000 / $N), 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S', 1420070400 + i * (315360000 / $N), 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', 1420070400 + i * (315360000 / $N), 'unixepoch'),
  CASE WHEN i % 5 < 3 THEN 40 + (i * 7919 % 15000) / 1000.0 END,
  CASE WHEN i % 5 < 3 THEN -5 + (i * 104729 % 30000) / 1000.0 END,
  'Bench', 'Camera ' || (i % 7), 4000, 3000, f.first_run, f.read_run
FROM n, (SELECT * FROM files LIMIT 1) f;
INSERT OR IGNORE INTO keywords (file_id, keyword) SELECT id, 'birthday' FROM files WHERE id % 50 = 0;
SQL
  bench_start
}

# Adds user "bench" (password "bench password", may see library "bench") to $tmp/index.db and
# starts the server on it; sets port, srv and base.
bench_start() {
  echo "bench password" | "$BIN" user add bench --db "$tmp/index.db" >/dev/null
  "$BIN" user grant bench bench --db "$tmp/index.db" >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$BIN" serve --db "$tmp/index.db" --listen "127.0.0.1:$port" --cache "$tmp/cache" 2>/dev/null & srv=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -sf "$base/" >/dev/null && break; sleep 0.1; done
}

# The session cookie of user "bench" on $base.
bench_cookie() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"user":"bench","password":"bench password"}' "$base/api/login" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(albumen_session=[0-9a-f]*\).*/\1/p'
}
