#!/usr/bin/env bash
# Per-call overhead of the Node binding and a large call, against Rust (release builds):
# builds the addon with `napi build --platform --release`, runs the Rust criterion bench
# `cargo bench -p stella-ops-node --bench api`, then benches/node/bench.mjs, which times the
# same calls from Node and prints both. A few minutes on 2 cores once the release build exists.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root/bindings/node"
npm ci --no-audit --no-fund --loglevel=error
npx napi build --platform --release
cargo bench -p stella-ops-node --bench api -- --noplot
target="${CARGO_TARGET_DIR:-$root/target}"
node "$root/benches/node/bench.mjs" "$target/criterion"
