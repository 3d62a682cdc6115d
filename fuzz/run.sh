#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) with cargo fuzz on the
# nightly toolchain, starting from the committed corpus in fuzz/corpus/<target>/.
# New inputs are written to target/fuzz-corpus/<target>/ (not committed). A crash stops
# the run and leaves its input under fuzz/artifacts/<target>/.
#   fuzz/run.sh [seconds per target] [target ...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(form signature otp config)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
    work="../target/fuzz-corpus/$t"
    mkdir -p "$work"
    echo "== $t: ${seconds}s"
    cargo +nightly fuzz run "$t" "$work" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
        grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|==|.*ERROR|.*panicked)" || true
    test "${PIPESTATUS[0]}" -eq 0
done
