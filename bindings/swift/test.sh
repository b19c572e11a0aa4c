#!/usr/bin/env bash
# The Swift binding's tests (scripts/test-all.sh runs every executable bindings/*/test.sh).
# There is no Swift toolchain here, so:
#   1. generate the Swift sources from the library and fail if the committed Sources/ differ
#      (run generate.sh and commit);
#   2. check the generated Swift has a function for every API function (bindings/api) and an
#      error case for every ErrorKind;
#   3. generate Python from the same library with the same uniffi and run tests/test_ffi.py:
#      every conformance vector (byte equality) and every API function through the FFI,
#      errors included.
# Honors CARGO_TARGET_DIR. Plain python3 (standard library only). Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$(uname -s)" in
    Darwin) lib="libstella_ops_swift.dylib" ;;
    *) lib="libstella_ops_swift.so" ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== swift: generate (builds stella-ops-swift and its uniffi-bindgen)"
"$here/generate.sh" "$tmp/Sources" >/dev/null
if ! diff -r "$here/Sources" "$tmp/Sources" >"$tmp/sources.diff"; then
    head -n 40 "$tmp/sources.diff"
    echo "FAIL: bindings/swift/Sources is not what uniffi generates: run bindings/swift/generate.sh and commit" >&2
    exit 1
fi
echo "committed Sources/ are up to date"

echo "== swift: API surface of the generated Swift"
python3 "$here/tests/check_swift_surface.py" "$tmp/Sources/StellaOps/StellaOps.swift" "$root"

echo "== swift: the FFI through uniffi's Python bindings of the same library"
mkdir -p "$tmp/py"
(cd "$root" && "$target/debug/uniffi-bindgen" generate --no-format --language python \
    --out-dir "$tmp/py" "$target/debug/$lib" >/dev/null)
cp "$target/debug/$lib" "$tmp/py/"
# force_panic_for_tests panics on purpose: keep its report to one line.
RUST_BACKTRACE=0 python3 "$here/tests/test_ffi.py" "$tmp/py" "$root"
