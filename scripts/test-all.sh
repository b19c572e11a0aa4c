#!/usr/bin/env bash
# Runs every test of every language in the repository: the Rust workspace (unit, API, doc and
# CLI tests), and each binding's own suite when the binding exists. This is the command the
# README gives and the one .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust: cargo test --workspace"
cargo test --workspace --locked

for script in bindings/*/test.sh tests/interop/test.sh tests/registry/test.sh; do
    if [ -x "$script" ]; then
        echo "== $script"
        "$script"
    fi
done
