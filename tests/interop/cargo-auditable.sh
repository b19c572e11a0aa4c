#!/usr/bin/env bash
# Symbol-level evidence for Rust binaries built with `cargo auditable` (crates.io's
# cargo-auditable, pinned below): two test programs (tests/interop/rust/*.rs) against a pinned
# vulnerable smallvec (1.6.0, in RUSTSEC-2021-0003's range, whose record names
# `smallvec::SmallVec::insert_many`), one calling insert_many and one not, built here (never in
# the workspace) in the dev profile (symbols and DWARF), each kept as is and stripped
# (`strip`), and in the release profile (symbols, no DWARF). Stella must give:
#   calls            -> present (the function is linked; found: smallvec::SmallVec::insert_many)
#   nocall           -> absent
#   calls-stripped   -> unknown (no symbol table)
#   nocall-stripped  -> unknown
#   calls-release    -> unknown (insert_many is inlined into main: no symbol, and without DWARF
#   nocall-release   -> unknown  a missing symbol proves nothing; never `absent`)
#   calls-release-dwarf  -> present (release with debug = true: DWARF names the inlined
#   nocall-release-dwarf -> absent   insert_many)
#
# Needs cargo with access to crates.io (cargo-auditable and smallvec are fetched once and
# cached) and binutils' `strip`.
set -euo pipefail
cd "$(dirname "$0")/../.."

AUDITABLE_VERSION=0.7.7
TOOLS="${HOME}/.cache/stella-ops/tools-cargo-auditable-$AUDITABLE_VERSION"
if [ ! -x "$TOOLS/bin/cargo-auditable" ]; then
    cargo install --quiet --locked cargo-auditable --version "$AUDITABLE_VERSION" --root "$TOOLS"
fi
command -v strip >/dev/null 2>&1 || { echo "FAIL tests/interop/cargo-auditable.sh: binutils' strip not found" >&2; exit 1; }

cargo build --quiet --locked -p stella-cli
STELLA="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stella"
REPO="$(pwd)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/crate/src/bin" "$WORK/root/usr/bin"
cat >"$WORK/crate/Cargo.toml" <<'TOML'
[package]
name = "symbols-test"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
smallvec = "=1.6.0"

[workspace]
TOML
cp tests/interop/rust/calls.rs tests/interop/rust/nocall.rs "$WORK/crate/src/bin/"
(
    cd "$WORK/crate"
    PATH="$TOOLS/bin:$PATH" CARGO_TARGET_DIR="$WORK/target" cargo auditable build --quiet --bins
    PATH="$TOOLS/bin:$PATH" CARGO_TARGET_DIR="$WORK/target" cargo auditable build --quiet --release --bins
    CARGO_PROFILE_RELEASE_DEBUG=true PATH="$TOOLS/bin:$PATH" CARGO_TARGET_DIR="$WORK/target-dwarf" \
        cargo auditable build --quiet --release --bins
)
for b in calls nocall; do
    cp "$WORK/target/debug/$b" "$WORK/root/usr/bin/$b"
    strip -o "$WORK/root/usr/bin/$b-stripped" "$WORK/target/debug/$b"
    cp "$WORK/target/release/$b" "$WORK/root/usr/bin/$b-release"
    cp "$WORK/target-dwarf/release/$b" "$WORK/root/usr/bin/$b-release-dwarf"
done

"$STELLA" db build tests/data/osv-symbols/rustsec --output "$WORK/rust.db" >/dev/null
"$STELLA" scan "$WORK/root" --db "$WORK/rust.db" -o json >"$WORK/findings.json"
python3 - "$WORK/findings.json" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1]))["findings"]
got = {}
for f in findings:
    if "RUSTSEC-2021-0003" in f["records"]:
        for loc in f["evidence"]["locations"]:
            got[loc["path"]] = f.get("symbols") or {}
want = {
    "usr/bin/calls": "present",
    "usr/bin/nocall": "absent",
    "usr/bin/calls-stripped": "unknown",
    "usr/bin/nocall-stripped": "unknown",
    "usr/bin/calls-release": "unknown",
    "usr/bin/nocall-release": "unknown",
    "usr/bin/calls-release-dwarf": "present",
    "usr/bin/nocall-release-dwarf": "absent",
}
bad = 0
for path, status in want.items():
    ev = got.get(path)
    ok = ev is not None and ev.get("status") == status
    if ok and status == "present":
        ok = ev.get("found") == ["smallvec::SmallVec::insert_many"]
    if ok and status == "unknown":
        want_reason = "no DWARF" if path.endswith("-release") else "stripped"
        ok = want_reason in (ev.get("reason") or "")
    print(("ok   " if ok else "FAIL ") + f"{path}: want {status}, got {json.dumps(ev)}")
    bad += not ok
sys.exit(1 if bad else 0)
PY
echo "== tests/interop/cargo-auditable.sh passed"
