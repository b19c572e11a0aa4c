#!/usr/bin/env bash
# Severities of the benchmark image's findings: builds a snapshot from ../shared/data/osv
# (`pypa` + `go` + `ghsa`, optionally NVD data), scans the bench image and prints the share of
# findings whose severity is `unknown`, per package kind, the npm findings, and every finding with
# its severity and the record/feed that decided it. With BEFORE=<an older stella binary>, the
# same for that binary (same sources, no --nvd) for a before/after comparison.
#
#   benches/severity-bench-image.sh
#   STELLA=target/debug/stella BEFORE=/tmp/stella-main NVD_DIR=path/to/nvd benches/severity-bench-image.sh
#
# NVD_DIR: NVD CVE API 2.0 JSON (files or a directory, see `stella db build --nvd`); default the
# three real NVD records of stella-vuln/tests/data/nvd (set NVD_DIR=none to leave NVD out).
# Needs the bench image in $OUT (default /tmp/stella-bench-image/out: oci/ or stella-test.oci.tar;
# ../shared/tools/bench-image/build-image.sh builds it) and ../shared/data/osv; anything missing:
# a SKIPPED line and exit 0 (a bench, not a test).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHARED="$(cd "$REPO/../shared" 2>/dev/null && pwd || true)"
OUT="${OUT:-/tmp/stella-bench-image/out}"
WORK="${WORK:-/tmp/stella-severity-bench}"
skip() {
    echo "SKIPPED benches/severity-bench-image.sh: $*" >&2
    exit 0
}
if [ -f "$OUT/stella-test.oci.tar" ]; then
    IMAGE="oci-archive:$OUT/stella-test.oci.tar"
elif [ -d "$OUT/oci" ]; then
    IMAGE="oci-dir:$OUT/oci"
else
    skip "no benchmark image in $OUT (build it with ../shared/tools/bench-image/build-image.sh)"
fi
[ -n "$SHARED" ] && [ -d "$SHARED/data/osv/ghsa" ] && [ -d "$SHARED/data/osv/pypa/vulns" ] &&
    [ -d "$SHARED/data/osv/go" ] || skip "no OSV data in ../shared/data/osv"
if [ -z "${STELLA:-}" ]; then
    (cd "$REPO" && cargo build --release -q -p stella-cli)
    STELLA="${CARGO_TARGET_DIR:-$REPO/target}/release/stella"
fi
NVD_DIR="${NVD_DIR:-$REPO/stella-vuln/tests/data/nvd}"
mkdir -p "$WORK"
sources=("$SHARED/data/osv/pypa/vulns" "$SHARED/data/osv/go" "$SHARED/data/osv/ghsa")

summarize() { # label findings.json
    python3 - "$1" "$2" <<'PY'
import collections, json, sys
label, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
f = doc["findings"]
unknown = [x for x in f if x["severity"]["level"] == "unknown"]
print(f"== {label}: {len(f)} findings, unknown {len(unknown)}/{len(f)} = {100 * len(unknown) / max(1, len(f)):.1f}%")
by = collections.Counter((x["package"]["kind"], x["severity"]["level"]) for x in f)
for kind in sorted({k for k, _ in by}):
    row = ", ".join(f"{lvl} {n}" for (k, lvl), n in sorted(by.items()) if k == kind)
    print(f"   {kind}: {row}")
feeds = collections.Counter((x["severity"].get("source") or {}).get("feed", "-") for x in f)
print("   decided by feed:", dict(sorted(feeds.items())))
npm = sorted({x["package"]["name"] for x in f if x["package"]["kind"] == "npm"})
print("   npm packages with findings:", ", ".join(npm) or "none")
PY
}

table() { # findings.json
    python3 - "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(f"{'id':<20} {'package':<28} {'level':<9} {'score':>5}  decided by")
for x in doc["findings"]:
    s = x["severity"]
    src = s.get("source") or {}
    how = f"{src.get('record', '-')} ({src.get('feed', '-')}" + (f", CVSS {src['version']})" if src.get("version") else (f", {src['rating']})" if src.get("rating") else ")"))
    pkg = f"{x['package']['name']}@{x['package']['version']}"
    score = "" if s.get("score") is None else f"{s['score']:.1f}"
    print(f"{x['id']:<20} {pkg[:28]:<28} {s['level']:<9} {score:>5}  {how if src else '-'}")
PY
}

if [ -n "${BEFORE:-}" ]; then
    "$BEFORE" db build "${sources[@]}" --lenient --output "$WORK/before.db" >/dev/null
    "$BEFORE" scan "$IMAGE" --db "$WORK/before.db" -o json --output-file "$WORK/before.json" || [ $? -le 1 ]
    summarize "before ($BEFORE, pypa+go+ghsa)" "$WORK/before.json"
fi
"$STELLA" db build "${sources[@]}" --lenient --output "$WORK/after.db" >/dev/null
"$STELLA" scan "$IMAGE" --db "$WORK/after.db" -o json --output-file "$WORK/after.json" || [ $? -le 1 ]
summarize "after (pypa+go+ghsa)" "$WORK/after.json"
if [ "$NVD_DIR" != none ] && [ -e "$NVD_DIR" ]; then
    "$STELLA" db build "${sources[@]}" --nvd "$NVD_DIR" --lenient --output "$WORK/after-nvd.db" >/dev/null
    "$STELLA" scan "$IMAGE" --db "$WORK/after-nvd.db" -o json --output-file "$WORK/after-nvd.json" || [ $? -le 1 ]
    summarize "after (pypa+go+ghsa + NVD $NVD_DIR)" "$WORK/after-nvd.json"
    table "$WORK/after-nvd.json" >"$WORK/findings.txt"
else
    table "$WORK/after.json" >"$WORK/findings.txt"
fi
echo "every finding with its severity: $WORK/findings.txt"

# An independent check (Python over the raw records, not Stella's code): no `unknown` finding has
# an alias group (id/aliases/upstream, transitively) in which some record carries a CVSS vector
# or a database_specific.severity.
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$SHARED/data/osv" "$WORK/after.json" <<'PY'
import glob, json, sys, yaml
root, findings = sys.argv[1], sys.argv[2]
recs = [json.load(open(p)) for p in glob.glob(f"{root}/ghsa/*.json") + glob.glob(f"{root}/go/*.json")]
recs += [yaml.safe_load(open(p)) for p in glob.glob(f"{root}/pypa/vulns/*/*.yaml")]
parent = {}
def find(x):
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
for r in recs:
    ids = [r["id"]] + (r.get("aliases") or []) + (r.get("upstream") or [])
    for i in ids[1:]:
        parent[find(ids[0])] = find(i)
scored = {find(r["id"]) for r in recs if not r.get("withdrawn") and (r.get("severity")
          or any(a.get("severity") for a in r.get("affected", []))
          or (r.get("database_specific") or {}).get("severity"))}
doc = json.load(open(findings))
bad = [x["id"] for x in doc["findings"] if x["severity"]["level"] == "unknown" and any(find(i) in scored for i in x["ids"])]
print(f"== check: unknown findings whose alias group has a score: {len(bad)} {bad}")
sys.exit(1 if bad else 0)
PY
else
    echo "== check skipped: python3-yaml not installed"
fi
