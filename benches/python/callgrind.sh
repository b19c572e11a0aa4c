#!/usr/bin/env bash
# Instructions per call, Python binding vs Rust, counted by callgrind (independent of the
# machine's load): each side makes the call 1 and 1+N times; (I(1+N) - I(1)) / N is the cost of
# one call. Python side: the `python` given (a venv with stella_ops installed in release); Rust
# side: the `calls` bench binary of stella-ops-python (release).
#
#   benches/python/callgrind.sh /path/to/venv/bin/python [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:?usage: callgrind.sh PYTHON [N]}"
N="${2:-10}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --quiet --release -p stella-ops-python --bench calls
CALLS="$(ls -t "$TARGET"/release/deps/calls-* | grep -v '\.d$' | head -1)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

count() { # count NAME CMD... -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$WORK/out" "$@" >/dev/null 2>"$WORK/err"
    grep -E '^summary:|^totals:' "$WORK/out" | head -1 | awk '{print $2}'
}

py_call() {
    case "$1" in
        digest) echo 'data = bytes([7]) * 32
f = lambda: stella_ops.digest_of(data)' ;;
        baseline) echo 'data = bytes([7]) * 32
f = lambda: len(data)' ;;
        sbom) echo 'image = open("tests/vectors/conformance/image/image.tar", "rb").read()
f = lambda: stella_ops.sbom_from_image_bytes(image, timestamp="2024-06-01T00:00:00Z")' ;;
        run) echo 'f = stella_ops.run' ;;
    esac
}

printf '%-8s %16s %16s %10s\n' call python/call rust/call py/rust
for what in digest sbom run; do
    code="import sys, stella_ops
$(py_call "$what")
for _ in range(int(sys.argv[1])): f()"
    p1=$(count "$PY" -c "$code" 1)
    pn=$(count "$PY" -c "$code" $((N + 1)))
    r1=$(count "$CALLS" "$what" 1)
    rn=$(count "$CALLS" "$what" $((N + 1)))
    python3 -c "
p = ($pn - $p1) / $N; r = ($rn - $r1) / $N
print(f'{\"$what\":<8} {p:>16.0f} {r:>16.0f} {p / r:>10.4f}')"
done
# The interpreter's own cost of one loop iteration calling a trivial builtin the same way: the
# part of python/call that any Python call pays.
code="import sys, stella_ops
$(py_call baseline)
for _ in range(int(sys.argv[1])): f()"
b1=$(count "$PY" -c "$code" 1)
bn=$(count "$PY" -c "$code" $((N + 1)))
python3 -c "print(f'{\"len() loop\":<8} {($bn - $b1) / $N:>16.0f}   (Python loop + lambda + trivial builtin call)')"
