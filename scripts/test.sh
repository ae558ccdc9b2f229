#!/usr/bin/env bash
# The project's test command (the README's second line). Tests that read ../shared/corpus or call
# exiftool run in release because they parse hundreds of files.
set -euo pipefail
cd "$(dirname "$0")/.."
export ALBUMEN_CORPUS="${ALBUMEN_CORPUS:-$(cd .. && pwd)/shared/corpus}"
cargo test --workspace --release "$@"
