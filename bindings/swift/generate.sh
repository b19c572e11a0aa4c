#!/usr/bin/env bash
# Builds the stella-ops-swift library and generates the Swift package sources from it with
# uniffi-bindgen (the workspace's bindgen/ crate, pinned to the library's uniffi version):
#
#   Sources/StellaOps/StellaOps.swift           the Swift API (`import StellaOps`)
#   Sources/StellaOpsFFI/StellaOpsFFI.h         the C declarations of the FFI
#   Sources/StellaOpsFFI/module.modulemap       the C module StellaOps.swift imports
#
# Usage: bindings/swift/generate.sh [OUT_DIR]   (default: bindings/swift/Sources, committed)
# Honors CARGO_TARGET_DIR. The output depends only on the exported interface and the uniffi
# version, not on the machine (no formatter is run), so test.sh can check it is up to date.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/Sources}"
target="${CARGO_TARGET_DIR:-$root/target}"

case "$(uname -s)" in
    Darwin) lib="libstella_ops_swift.dylib" ;;
    *) lib="libstella_ops_swift.so" ;;
esac

cd "$root"
# Both packages in one build: the same feature set of uniffi as a workspace build, so neither
# this nor `cargo test --workspace` rebuilds the other's artifacts.
cargo build --locked --quiet -p stella-ops-swift -p stella-ops-swift-bindgen

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Run from the workspace root: uniffi-bindgen finds bindings/swift/uniffi.toml via cargo metadata.
"$target/debug/uniffi-bindgen" generate --no-format --language swift \
    --out-dir "$tmp" "$target/debug/$lib" >/dev/null

mkdir -p "$out/StellaOps" "$out/StellaOpsFFI"
cp "$tmp/StellaOps.swift" "$out/StellaOps/StellaOps.swift"
cp "$tmp/StellaOpsFFI.h" "$out/StellaOpsFFI/StellaOpsFFI.h"
# SwiftPM's system library targets read `module.modulemap`.
cp "$tmp/StellaOpsFFI.modulemap" "$out/StellaOpsFFI/module.modulemap"
echo "generated Swift sources in $out"
