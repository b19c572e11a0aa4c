#!/usr/bin/env bash
# Instructions per call, Node binding vs Rust, counted by callgrind (independent of the
# machine's load, unlike bench.sh's wall times): each side makes the call 1 and 1+N times;
# (I(1+N) - I(1)) / N is the cost of one call. Node side: the release addon built by
# `npx napi build --platform --release` in bindings/node; Rust side: the `calls` bench binary
# of stella-ops-python (release), which calls the same `stella_bindings_api` functions with
# the same arguments (benches/python/callgrind.sh counts the Python side the same way).
#
#   benches/node/callgrind.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-10}"
TARGET="${CARGO_TARGET_DIR:-target}"
ls bindings/node/stella-ops.*.node >/dev/null 2>&1 ||
    { echo "build the release addon first: cd bindings/node && npx napi build --platform --release" >&2; exit 1; }
cargo build --quiet --release -p stella-ops-python --bench calls
CALLS="$(ls -t "$TARGET"/release/deps/calls-* | grep -v '\.d$' | head -1)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

count() { # count CMD... -> total instructions
    # V8 writes and rewrites machine code: callgrind must re-check it.
    valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$WORK/out" "$@" \
        >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    grep -E '^summary:|^totals:' "$WORK/out" | head -1 | awk '{print $2}'
}

node_call() {
    case "$1" in
        digest) echo 'const data = Buffer.alloc(32, 7); const f = () => s.digestOf(data)' ;;
        baseline) echo 'const data = Buffer.alloc(32, 7); const f = () => data.length' ;;
        sbom) echo 'const image = require("fs").readFileSync("tests/vectors/conformance/image/image.tar")
const f = () => s.sbomFromImageBytes(image, { timestamp: "2024-06-01T00:00:00Z" })' ;;
        run) echo 'const f = () => s.run()' ;;
    esac
}

printf '%-8s %16s %16s %10s\n' call node/call rust/call node/rust
for what in digest sbom run; do
    code="const s = require('./bindings/node')
$(node_call "$what")
const n = Number(process.argv[1]); for (let i = 0; i < n; i++) f()"
    j1=$(count node -e "$code" 1)
    jn=$(count node -e "$code" $((N + 1)))
    r1=$(count "$CALLS" "$what" 1)
    rn=$(count "$CALLS" "$what" $((N + 1)))
    python3 -c "
j = ($jn - $j1) / $N; r = ($rn - $r1) / $N
print(f'{\"$what\":<8} {j:>16.0f} {r:>16.0f} {j / r:>10.4f}')"
done
code="const s = require('./bindings/node')
$(node_call baseline)
const n = Number(process.argv[1]); for (let i = 0; i < n; i++) f()"
b1=$(count node -e "$code" 1)
bn=$(count node -e "$code" $((N + 1)))
python3 -c "print(f'{\"loop\":<8} {($bn - $b1) / $N:>16.0f}   (the JS loop and a trivial closure call)')"
