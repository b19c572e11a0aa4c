#!/usr/bin/env bash
# Symbol-level evidence on the bench image (../shared/tools/bench-image/build-image.sh: a real
# Debian image with Debian's `age` and npm's `esbuild` Go binaries): the present / absent /
# unknown counts of the Go findings against the Go vulndb records in ../shared/data/osv/go, and
# govulncheck (Debian's, binary mode, GOVULNDB=file://… built from the same records) as the
# oracle on both binaries, per record that names vulnerable imports
# (tests/interop/govulncheck_compare.py).
#
# Usage: benches/symbol-evidence.sh [OCI-LAYOUT-DIR]   (default /tmp/stella-bench-image/out/oci,
# where build-image.sh writes). Prints SKIPPED and exits 0 when the image or the records are
# absent. Needs golang-go and govulncheck for the comparison (skipped, loudly, without them).
set -euo pipefail
cd "$(dirname "$0")/.."

OCI="${1:-/tmp/stella-bench-image/out/oci}"
RECORDS=../shared/data/osv/go
[ -f "$OCI/index.json" ] || { echo "SKIPPED: no OCI layout at $OCI (build it with ../shared/tools/bench-image/build-image.sh)"; exit 0; }
[ -d "$RECORDS" ] || { echo "SKIPPED: no Go vulndb records at $RECORDS"; exit 0; }

cargo build --quiet --release --locked -p stella-cli
STELLA="${CARGO_TARGET_DIR:-target}/release/stella"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$STELLA" db build "$RECORDS" --output "$WORK/go.db" >/dev/null
start=$(date +%s.%N)
"$STELLA" scan "oci-dir:$OCI" --db "$WORK/go.db" -o json >"$WORK/findings.json"
echo "stella scan (cold, release): $(echo "$(date +%s.%N) - $start" | bc) s"

python3 - "$WORK/findings.json" <<'PY'
import json, sys
from collections import Counter, defaultdict
fs = [f for f in json.load(open(sys.argv[1]))["findings"] if f["package"]["ecosystem"] == "Go"]
total = Counter((f.get("symbols") or {}).get("status", "none") for f in fs)
print(f"Go findings: {len(fs)}: " + ", ".join(f"{k} {v}" for k, v in sorted(total.items())))
by = defaultdict(Counter)
for f in fs:
    by[f["evidence"]["locations"][0]["path"]][(f.get("symbols") or {}).get("status", "none")] += 1
for path, c in sorted(by.items()):
    print(f"  /{path}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
reasons = Counter((f.get("symbols") or {}).get("reason") for f in fs if (f.get("symbols") or {}).get("status") == "unknown")
for r, n in reasons.most_common(5):
    print(f"  unknown ({n}): {r}")
PY

if ! command -v govulncheck >/dev/null 2>&1; then
    echo "SKIPPED the govulncheck comparison: govulncheck not installed (sudo apt-get install -y govulncheck)"
    exit 0
fi
# The two Go binaries, extracted from the image's layers.
python3 - "$OCI" "$WORK/bin" <<'PY'
import json, os, sys, tarfile
oci, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
blob = lambda d: os.path.join(oci, "blobs", *d.split(":"))
index = json.load(open(os.path.join(oci, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
want = {"usr/bin/age": "age", "app/node_modules/esbuild-linux-64/bin/esbuild": "esbuild"}
for layer in manifest["layers"]:
    with tarfile.open(blob(layer["digest"])) as t:
        for m in t.getmembers():
            name = m.name.lstrip("./")
            if name in want and m.isfile():
                with open(os.path.join(out, want[name]), "wb") as f:
                    f.write(t.extractfile(m).read())
print("extracted:", sorted(os.listdir(out)))
PY
python3 tests/interop/govulncheck_compare.py vulndb "$RECORDS" "$WORK/vulndb"
pairs=()
declare -A IMAGE_PATH=([age]=usr/bin/age [esbuild]=app/node_modules/esbuild-linux-64/bin/esbuild)
for b in age esbuild; do
    [ -f "$WORK/bin/$b" ] || { echo "FAIL: $b not found in the image"; exit 1; }
    if ! python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(b".gopclntab" not in d and b".symtab" not in d)' "$WORK/bin/$b"; then
        # A stripped PIE (Debian's age: external linking puts the pclntab inside .data.rel.ro):
        # this govulncheck finds no function table there and reports no vulnerability at all —
        # not even GO-2023-1840, whose import is the whole runtime package every Go binary
        # links — so its empty answer is a failure to read, not a result. Stella finds the
        # pclntab by its magic.
        echo "NOT COMPARED /${IMAGE_PATH[$b]}: stripped, no .gopclntab section; this govulncheck reads no function table from it"
    elif GOVULNDB="file://$WORK/vulndb" govulncheck -json "$WORK/bin/$b" >"$WORK/$b.json" 2>"$WORK/$b.err"; then
        pairs+=("${IMAGE_PATH[$b]}=$WORK/$b.json")
    elif grep -q 'go.func' "$WORK/$b.err"; then
        # This govulncheck (0.0~git20230201) reads inline trees through the go.func.* symbol,
        # which stripping removes; tests/interop/govulncheck.sh shows Stella gives the same
        # answers on a stripped build as on the unstripped one that govulncheck does read.
        echo "NOT COMPARED /${IMAGE_PATH[$b]}: the binary is stripped and this govulncheck cannot read it ($(cat "$WORK/$b.err"))"
    else
        echo "FAIL: govulncheck on $b: $(cat "$WORK/$b.err")"
        exit 1
    fi
done
if [ "${#pairs[@]}" -gt 0 ]; then
    python3 tests/interop/govulncheck_compare.py compare "$RECORDS" "$WORK/findings.json" "$WORK/report.json" "${pairs[@]}"
fi
