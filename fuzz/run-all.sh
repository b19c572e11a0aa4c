#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with libFuzzer on stable Rust
# (`cargo fuzz build --sanitizer none`, then the target binaries directly), and prints a table:
# target | runs | coverage | result. Exits non-zero if any target crashed, timed out or ran out
# of memory, or if the targets do not build.
#
#   fuzz/run-all.sh 600          # the long run quoted in notes (10 minutes per target)
#   fuzz/run-all.sh 10 dsse_envelope canonical_json   # some targets only
#
# Environment:
#   FUZZ_JOBS        targets run at once (default 1; one libFuzzer process uses one core)
#   FUZZ_TARGET_DIR  cargo target dir (default $HOME/.cache/stella-ops/target-fuzz, kept
#                    between runs so rebuilds are incremental; the coverage-instrumented build
#                    never shares a dir with the main workspace's)
#
# New inputs go to a temporary corpus; the committed seed corpus under fuzz/corpus/<target> is
# read, never written. Crashes are saved under fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
jobs="${FUZZ_JOBS:-1}"

# The cargo-fuzz release this project is tested with.
CARGO_FUZZ_VERSION=0.13.2
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION (once)"
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" --quiet || exit 2
fi
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/stella-ops/target-fuzz}"

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

echo "building ${#targets[@]} targets (target dir $CARGO_TARGET_DIR)"
build_log=$(mktemp)
if ! cargo fuzz build --sanitizer none >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    echo "fuzz targets do not build" >&2
    exit 2
fi
rm -f "$build_log"
host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$CARGO_TARGET_DIR/$host/release"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One target: runs it, writes "runs cov result" to $work/$t.result.
run_one() {
    local t="$1"
    mkdir -p "$work/$t" "corpus/$t" "artifacts/$t"
    local log="$work/$t.log"
    "$bin_dir/$t" "$work/$t" "corpus/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
    local rc=$?
    local runs cov result
    runs=$(grep -aoE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    if [ "$rc" -eq 0 ]; then
        result=ok
    elif grep -aq 'ERROR: libFuzzer: timeout' "$log"; then
        result=TIMEOUT
    elif grep -aq 'out-of-memory' "$log"; then
        result=OOM
    else
        result="CRASH(rc=$rc)"
    fi
    echo "${runs:-?} ${cov:-?} $result" >"$work/$t.result"
}

running=0
for t in "${targets[@]}"; do
    if [ ! -x "$bin_dir/$t" ]; then
        echo "? ? NOT-BUILT" >"$work/$t.result"
        continue
    fi
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
total=0
printf '%-24s | %12s | %8s | %s\n' target runs coverage result
printf '%-24s-|-%12s-|-%8s-|-%s\n' "------------------------" "------------" "--------" "------"
for t in "${targets[@]}"; do
    read -r runs cov result <"$work/$t.result"
    if [ "$result" != ok ]; then
        failed=1
        [ -f "$work/$t.log" ] && { echo "--- $t" >&2; tail -30 "$work/$t.log" >&2; }
    fi
    [ "$runs" != "?" ] && total=$((total + runs))
    printf '%-24s | %12s | %8s | %s\n' "$t" "$runs" "$cov" "$result"
done
printf '%-24s | %12s |\n' total "$total"
exit "$failed"
