#!/usr/bin/env bash
# The report of the benchmark image, checked in headless Chromium like the demo's
# (tests/report/check.cjs): a real Debian bookworm image with old Python and npm packages,
# scanned against the real advisories of ../shared/data/osv (GHSA, PyPA, Go), run through the
# whole pipeline with a fresh key, rendered by `stella report --key`, and checked: every count on
# the page against the run's JSON, the table paged, filtered and sorted, the entry-trace chains,
# the evidence chain all verified, no console error or network request, screenshots at desktop
# and phone widths and a PDF print. Also times `stella report` on it.
#
# Needs: the benchmark image in $OUT (default /tmp/stella-bench-image/out, IMAGE-DIGESTS.txt and
# oci/), else ../shared/tools/bench-image/build-image.sh to build it (root, apt, PyPI, npm; about
# 15 min); the OSV data in ../shared/data/osv; Debian's chromium and playwright-core (as
# tests/report/test.sh installs it). Anything missing: a clear SKIPPED line and exit 0 (a bench,
# not a test). Screenshots are kept in $WORK/shots (default /tmp/stella-report-bench/shots).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHARED="$(cd "$REPO/../shared" 2>/dev/null && pwd || true)"
OUT="${OUT:-/tmp/stella-bench-image/out}"
WORK="${WORK:-/tmp/stella-report-bench}"
NODE_DIR="${HOME}/.cache/stella-ops/report-node"
skip() {
    echo "SKIPPED benches/report-bench-image.sh: $*" >&2
    exit 0
}

if [ ! -f "$OUT/IMAGE-DIGESTS.txt" ] || [ ! -d "$OUT/oci" ]; then
    [ -n "$SHARED" ] && [ -f "$SHARED/tools/bench-image/build-image.sh" ] ||
        skip "no benchmark image in $OUT and no ../shared/tools/bench-image/build-image.sh to build one"
    echo "== building the benchmark image into $OUT (debootstrap + umoci + skopeo)"
    mkdir -p "$WORK"
    OUT="$OUT" BUILD="${BUILD:-$(dirname "$OUT")/build}" bash "$SHARED/tools/bench-image/build-image.sh" \
        >"$WORK/build-image.log" 2>&1 || { tail -30 "$WORK/build-image.log"; exit 1; }
fi
[ -n "$SHARED" ] && [ -d "$SHARED/data/osv/ghsa" ] || skip "no OSV data in ../shared/data/osv"
[ -x /usr/bin/chromium ] || skip "Debian's chromium is not installed (apt-get install -y chromium)"
[ -d "$NODE_DIR/node_modules/playwright-core" ] || skip "playwright-core not installed in $NODE_DIR (run tests/report/test.sh once)"

(cd "$REPO" && cargo build --release -q -p stella-cli)
STELLA="${STELLA:-${CARGO_TARGET_DIR:-$REPO/target}/release/stella}"
rm -rf "$WORK/store" "$WORK/shots"
mkdir -p "$WORK/shots"
sources=("$SHARED/data/osv/ghsa")
[ -d "$SHARED/data/osv/pypa/vulns" ] && sources+=("$SHARED/data/osv/pypa/vulns")
[ -d "$SHARED/data/osv/go" ] && sources+=("$SHARED/data/osv/go")
"$STELLA" db build "${sources[@]}" --lenient --output "$WORK/osv.db" >/dev/null
"$STELLA" key generate --algorithm ed25519 --output-file "$WORK/key.pem" --public-file "$WORK/key.pub" 2>/dev/null ||
    [ -f "$WORK/key.pem" ]
set +e
"$STELLA" run "oci-dir:$OUT/oci" --db "$WORK/osv.db" --key "$WORK/key.pem" --deterministic \
    --time 2024-10-10T00:00:00Z --store "$WORK/store" --json >"$WORK/run.json"
rc=$?
set -e
[ "$rc" -le 1 ] || { echo "stella run failed ($rc)" >&2; exit 1; }
start=$(date +%s%N)
"$STELLA" report "$WORK/run.json" --store "$WORK/store" --key "$WORK/key.pub" --output-file "$WORK/shots/report.html"
end=$(date +%s%N)
"$STELLA" report "$WORK/run.json" --store "$WORK/store" --key "$WORK/key.pub" -o markdown --output-file "$WORK/shots/report.md"
python3 - "$WORK/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"== bench image: {r['packages']} packages, {r['findings']} findings, VEX {r['by_vex_status']}, gate {'allow' if r['gate']['allow'] else 'deny'}")
PY
echo "== stella report (html, release): $(((end - start) / 1000000)) ms, $(wc -c <"$WORK/shots/report.html") bytes"
NODE_PATH="$NODE_DIR/node_modules" node "$REPO/tests/report/check.cjs" "$WORK/shots/report.html" \
    "$WORK/run.json" "$WORK/store" "$WORK/shots" --expect-verified
echo "== passed; screenshots in $WORK/shots"
