#!/usr/bin/env bash
# The project's test command (the README's second line). Tests that read ../shared/corpus or call
# exiftool run optimised because they parse hundreds of files; the `ci` profile is release without
# LTO and debug info, which halves a fresh build (BENCHMARKS.md, "Building").
set -euo pipefail
cd "$(dirname "$0")/.."
export ALBUMEN_CORPUS="${ALBUMEN_CORPUS:-$(cd .. && pwd)/shared/corpus}"
cargo test --workspace --profile ci "$@"
