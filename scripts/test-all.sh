#!/usr/bin/env bash
# Runs every test of every language in the repository: the documentation's links, the Rust
# workspace (unit, API, doc and CLI tests), each binding's suite, the interop checks and the
# registry client against a real registry. This is the command the README gives and the one
# .ci/run calls. Prerequisites: README.md, "Set up". Stops at the first failing suite; a suite
# script that is missing or not executable is a failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== docs: relative links resolve inside the repository"
python3 scripts/check-doc-links.py

echo "== the repository stands alone: nothing outside the benches reads ../shared"
if git rev-parse --git-dir >/dev/null 2>&1 &&
    git grep -nE '\.\./(\.\./)*shared/' -- ':!benches' ':!scripts/test-all.sh'; then
    echo "FAIL: the files above read or link ../shared (outside the repository)" >&2
    exit 1
fi

echo "== Rust: cargo test --workspace"
cargo test --workspace --locked

for script in bindings/*/test.sh tests/interop/test.sh tests/interop/tuf.sh tests/interop/sigstore.sh tests/interop/govulncheck.sh tests/interop/cargo-auditable.sh tests/registry/test.sh tests/registry/referrers.sh tests/report/test.sh tests/interop/versions.sh tests/interop/rpmdb.sh; do
    [ -x "$script" ] || { echo "FAIL: $script is missing or not executable" >&2; exit 1; }
    echo "== $script"
    "$script"
done
echo "== all suites passed"
