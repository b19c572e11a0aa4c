#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with libFuzzer on stable Rust
# (`cargo fuzz run --sanitizer none`), and prints a table: target | runs | coverage | result.
# Exits non-zero if any target crashed, timed out or ran out of memory.
#
#   fuzz/run-all.sh 600          # the long run quoted in notes (10 minutes per target)
#   fuzz/run-all.sh 10 dsse_envelope canonical_json   # some targets only
#
# New inputs go to a temporary corpus; the committed seed corpus under fuzz/corpus/<target> is
# read, never written. Crashes are saved under fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz (once)"
    cargo install cargo-fuzz --locked --quiet
fi
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}-fuzz}"

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

echo "building ${#targets[@]} targets"
cargo fuzz build --sanitizer none >/dev/null 2>&1 || cargo fuzz build --sanitizer none

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
printf '%-24s | %12s | %8s | %s\n' target runs coverage result
printf '%-24s-|-%12s-|-%8s-|-%s\n' "------------------------" "------------" "--------" "------"
total=0
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "corpus/$t" "artifacts/$t"
    log="$work/$t.log"
    cargo fuzz run --sanitizer none "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    if [ "$rc" -eq 0 ]; then
        result=ok
    elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        result=TIMEOUT
    elif grep -q 'out-of-memory' "$log"; then
        result=OOM
    else
        result="CRASH (rc $rc)"
    fi
    [ "$result" = ok ] || { failed=1; tail -30 "$log" >&2; }
    total=$((total + ${runs:-0}))
    printf '%-24s | %12s | %8s | %s\n' "$t" "${runs:-?}" "${cov:-?}" "$result"
done
printf '%-24s | %12s |\n' total "$total"
exit "$failed"
