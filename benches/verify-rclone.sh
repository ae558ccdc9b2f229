#!/usr/bin/env bash
# Times `albumen verify --rclone` on N generated small files (default 100k, ~2 KiB each: tiny
# JPEGs, unique bytes) against a local rclone remote, with and without --hash, beside
# `rclone check` (and `--size-only`) on the same two trees; also the crypt remote, and the
# folder verify. Warm page cache; best and median of RUNS runs. Files read: the counts in
# albumen's report (originals_hashed / backup_hashed). Everything is below a temporary folder.
#
#   cargo build --release --bin albumen && bash benches/verify-rclone.sh
set -euo pipefail
cd "$(dirname "$0")/.."
A="${ALBUMEN:-$PWD/target/release/albumen}"
N="${FILES:-100000}"
R="${RUNS:-3}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
export RCLONE_CONFIG="$W/rclone.conf"
printf '[nas2]\ntype = local\n\n[offsite]\ntype = crypt\nremote = %s\npassword = %s\n' \
  "$W/raw" "$(rclone obscure bench)" > "$RCLONE_CONFIG"

python3 - "$W/lib" "$N" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
head = bytes.fromhex("ffd8fffe")
tail = bytes.fromhex("ffc0000b08003000400101001100ffda0002ffd9")
for i in range(n):
    d = os.path.join(root, f"{i // 1000:03d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    note = (f"bench file {i} " * 150)[:2000].encode()
    with open(os.path.join(d, f"IMG_{i:06d}.JPG"), "wb") as f:
        f.write(head + (len(note) + 2).to_bytes(2, "big") + note + tail)
PY
"$A" scan "$W/lib" --db "$W/index.db" --library bench -q
rclone sync "$W/lib" "nas2:$W/remote" --transfers 8
cp -a "$W/lib" "$W/folder"

time_it() {
  local label="$1"
  shift
  local ms=() rc=0
  for _ in $(seq "$R"); do
    local t0=$EPOCHREALTIME
    "$@" >"$W/out.json" 2>/dev/null || rc=$?
    local t1=$EPOCHREALTIME
    ms+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
  done
  local read
  read=$(python3 - "$W/out.json" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    print(f"read: {v['originals_hashed']} originals, {v['backup_hashed']} backup files; ok {v['ok']}")
except Exception:
    print("")
PY
)
  printf '%s\n' "${ms[@]}" | sort -n | awk -v l="$label" -v n="$R" -v r="$read" \
    '{ a[NR] = $1 } END { printf "%-58s best %8.0f ms  median %8.0f ms  (%d runs) %s\n", l, a[1], a[int((n + 1) / 2)], n, r }'
}

echo "$N files, $(du -sh "$W/lib" | cut -f1); $(rclone version | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
time_it "albumen verify --rclone (sizes: rclone lsjson)" \
  "$A" verify --db "$W/index.db" --rclone "nas2:$W/remote" --json --no-record
time_it "albumen verify --rclone --hash (rclone check, md5)" \
  "$A" verify --db "$W/index.db" --rclone "nas2:$W/remote" --hash --json --no-record
time_it "rclone check --size-only lib remote (yardstick)" \
  rclone check "$W/lib" "nas2:$W/remote" --size-only --one-way -q
time_it "rclone check lib remote (yardstick, md5 both sides)" \
  rclone check "$W/lib" "nas2:$W/remote" --one-way -q
time_it "albumen verify FOLDER (sizes)" \
  "$A" verify --db "$W/index.db" "$W/folder" --json --no-record
time_it "albumen verify FOLDER --hash (BLAKE3 both sides)" \
  "$A" verify --db "$W/index.db" "$W/folder" --hash --json --no-record
if [ "${CRYPT:-1}" = 1 ]; then
  rclone sync "$W/lib" offsite:photos --transfers 8
  time_it "albumen verify --rclone crypt (sizes)" \
    "$A" verify --db "$W/index.db" --rclone offsite:photos --json --no-record
  time_it "albumen verify --rclone crypt --hash (rclone cryptcheck)" \
    "$A" verify --db "$W/index.db" --rclone offsite:photos --hash --json --no-record
  time_it "rclone cryptcheck lib offsite:photos (yardstick)" \
    rclone cryptcheck "$W/lib" offsite:photos --one-way -q
fi
