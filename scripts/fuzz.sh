#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) on the stable toolchain
# (RUSTC_BOOTSTRAP=1), one per core at a time, with debug assertions, -rss_limit_mb=512 -timeout=2, from seeds built
# by scripts/fuzz-seeds.sh. Fails on any finding: a crash, a hang over 2 s, more than 512 MB.
# Findings are left in fuzz/artifacts/TARGET/; replay one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -a TARGET fuzz/artifacts/TARGET/crash-...
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (no targets: all of `cargo fuzz list`)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
shift || true
export RUSTC_BOOTSTRAP=1
# The edit target writes and fsyncs a file per input: on tmpfs that costs nothing.
if [ -z "${TMPDIR:-}" ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
  exit 1
fi
# ASan keeps 256 MB of freed memory in quarantine by default: with the edit target's seeds
# (1,800 inputs, 41 MB) that alone put it over -rss_limit_mb=512 while loading the seeds (551 MB,
# no allocation of its own over 20 MB). A 64 MB quarantine still catches use-after-free of
# recent frees and keeps the 512 MB limit about the code under test (edit: 406 MB peak).
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64}"
# One known leak in rav1d (48 bytes per released AVIF picture): fuzz/lsan-suppressions.txt.
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan-suppressions.txt}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
bash scripts/fuzz-seeds.sh
# -a: debug assertions on, so an arithmetic overflow on input data is a finding too.
cargo fuzz build -O -a
# One target per core at a time (each still gets SECONDS of its own; libFuzzer runs one
# process per target): on CI's 2 cores, 15 targets x 30 s take 4 minutes, not 7.5.
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
run_one() {
  local t="$1" log="fuzz/artifacts/$1.log"
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  if cargo fuzz run -O -a "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=512 \
      -timeout=2 -print_final_stats=1 >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    echo "fuzz $t: ${secs} s, ${execs:-?} executions, no findings"
  else
    {
      echo "fuzz $t: FINDING (log $log, artifacts fuzz/artifacts/$t/)"
      # What ended it: a panic's message, Rust's stack-overflow or allocation-failure line, a
      # sanitizer's report (an abort that is not a panic shows only as "deadly signal").
      grep -E 'ERROR: libFuzzer|ERROR: AddressSanitizer|panicked at|overflowed its stack|fatal runtime|memory allocation of|Test unit written|^SUMMARY' "$log" | head -12 || true
      grep -A12 -m1 -E '^==[0-9]+== ERROR|deadly signal' "$log" | grep -E '^ +#[0-9]+ ' | head -12 || true
    } >"$log.finding"
    cat "$log.finding"
    return 1
  fi
}
rc=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || rc=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
