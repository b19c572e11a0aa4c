#!/usr/bin/env bash
# Symbol-level evidence against the reference: Debian's `govulncheck` (binary mode) on Go
# programs built here with Debian's Go toolchain (tests/interop/go/*.go: stdlib only, offline,
# GOTOOLCHAIN=local), each built as is and stripped (-ldflags='-s -w'). The oracle and Stella read
# the same OSV records (tests/data/osv-symbols/go-stdlib/, the Go vulndb's standard library records):
# govulncheck from a file database (GOVULNDB=file://…, written by govulncheck_compare.py in the
# layout this govulncheck reads), Stella from a snapshot built with `stella db build`.
#
# For every binary and every record that names vulnerable imports, Stella's symbol status
# (present / absent) must agree with govulncheck's (the record reported / not reported). A
# stripped binary is compared with govulncheck's result for the same program unstripped: this
# govulncheck (0.0~git20230201) refuses stripped binaries (it reads the inline trees through the
# `go.func.*` symbol, which -s removes); Stella reads the name table of the pclntab, which
# stripping keeps, and must give the same answers. The script also checks the generated VEX (an
# `absent` finding is not_affected / vulnerable_code_not_present, machine-derived; nothing else
# is) and the SARIF code flows (each ends at a found symbol).
#
# Prerequisites: Debian's golang-go and govulncheck (`sudo apt-get install -y golang-go
# govulncheck`), python3. Under CI (CI=true) they are installed with apt-get when missing (root,
# a throwaway CI machine); elsewhere a missing tool FAILS, unless STELLA_SKIP_GOVULNCHECK=1 asks
# to skip loudly (refused under CI=true).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "FAIL tests/interop/govulncheck.sh: $*" >&2
    exit 1
}
missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
command -v govulncheck >/dev/null 2>&1 || missing+=(govulncheck)
# shellcheck source=tests/interop/require-debian.sh
. tests/interop/require-debian.sh "tests/interop/govulncheck.sh" STELLA_SKIP_GOVULNCHECK "Symbol evidence was"

cargo build --quiet --locked -p stella-cli
STELLA="${CARGO_TARGET_DIR:-target}/debug/stella"
COMPARE="python3 tests/interop/govulncheck_compare.py"
RECORDS=tests/data/osv-symbols/go-stdlib

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GOTOOLCHAIN=local GOFLAGS= GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" CGO_ENABLED=0
mkdir -p "$WORK/root/usr/bin"
PROGRAMS=(xmldecode httpget httpserve hello filepaths)
for p in "${PROGRAMS[@]}"; do
    go build -trimpath -o "$WORK/root/usr/bin/$p" "tests/interop/go/$p.go"
    go build -trimpath -ldflags='-s -w' -o "$WORK/root/usr/bin/$p-stripped" "tests/interop/go/$p.go"
done
echo "== built with $(go version)"

$COMPARE vulndb "$RECORDS" "$WORK/vulndb"
"$STELLA" db build "$RECORDS" --output "$WORK/go.db" >/dev/null
"$STELLA" scan "$WORK/root" --db "$WORK/go.db" -o json >"$WORK/findings.json"
"$STELLA" scan "$WORK/root" --db "$WORK/go.db" -o sarif >"$WORK/findings.sarif"

pairs=()
for p in "${PROGRAMS[@]}"; do
    GOVULNDB="file://$WORK/vulndb" govulncheck -json "$WORK/root/usr/bin/$p" >"$WORK/$p.govulncheck.json" ||
        fail "govulncheck failed on $p"
    # This govulncheck cannot read a stripped binary: check that this is still so (if a newer
    # one can, compare with it directly instead).
    if GOVULNDB="file://$WORK/vulndb" govulncheck -json "$WORK/root/usr/bin/$p-stripped" >/dev/null 2>"$WORK/stripped.err"; then
        fail "govulncheck now reads stripped binaries: compare $p-stripped with its own result"
    fi
    grep -q 'go.func' "$WORK/stripped.err" || fail "govulncheck failed on $p-stripped for another reason: $(cat "$WORK/stripped.err")"
    # The stripped build is compared with govulncheck's result for the same program unstripped.
    pairs+=("usr/bin/$p=$WORK/$p.govulncheck.json" "usr/bin/$p-stripped=$WORK/$p.govulncheck.json")
done

echo "== present/absent against govulncheck"
$COMPARE compare "$RECORDS" "$WORK/findings.json" "$WORK/report.json" "${pairs[@]}"

echo "== generated VEX: absent -> not_affected / vulnerable_code_not_present (machine-derived)"
cat >"$WORK/vex-policy.yaml" <<'YAML'
author: "interop test"
rules:
  - name: vulnerable code not linked
    when: { symbols: absent }
    status: not_affected
    justification: vulnerable_code_not_present
YAML
"$STELLA" vex create --from "$WORK/findings.json" --policy "$WORK/vex-policy.yaml" --output-file "$WORK/vex.json" >/dev/null
$COMPARE vex "$WORK/vex.json" "$WORK/findings.json"

echo "== SARIF: code flows end at the found symbols"
$COMPARE sarif "$WORK/findings.sarif"
echo "== tests/interop/govulncheck.sh passed"
