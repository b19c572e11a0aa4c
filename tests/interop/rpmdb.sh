#!/usr/bin/env bash
# The rpm cataloger against rpm itself, live: builds the test packages of
# stella-scan/tests/data/rpmdb/specs with Debian's rpmbuild, writes rpm databases with
# stella-scan/tests/data/rpmdb/generate.sh (a WAL-mode rpmdb.sqlite with transactions still in
# its -wal log, as rpm leaves them while a reader is active; Berkeley DB hash `Packages` in
# both byte orders and three page layouts, read back by rpm's bdb_ro), and checks that
# `stella sbom` of a root filesystem holding each database lists exactly the packages
# `rpm -qa --dbpath` prints (name, epoch:version-release, arch). The ndb format needs an rpm
# built with ndb, which Debian's is not: it is checked on the committed database only (cargo
# test `rpmdb_formats`).
#
# Prerequisites: Debian's `rpm` and `db5.3-util`, and python3. When a tool is missing: under
# CI (CI=true) it is installed with apt-get when running as root, else the suite FAILS with the
# install command; outside CI, STELLA_SKIP_RPMDB=1 skips the suite loudly.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "FAIL tests/interop/rpmdb.sh: $*" >&2
    exit 1
}

missing=()
command -v rpmbuild >/dev/null 2>&1 || missing+=(rpm)
command -v db5.3_load >/dev/null 2>&1 || missing+=(db5.3-util)
command -v python3 >/dev/null 2>&1 || fail "python3 not found (a documented prerequisite)"
# shellcheck source=tests/interop/require-debian.sh
. tests/interop/require-debian.sh tests/interop/rpmdb.sh STELLA_SKIP_RPMDB "The rpm databases (against rpm itself) were"

cargo build --quiet --locked -p stella-cli
STELLA="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stella"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
env -u RPM_NDB_PREFIX stella-scan/tests/data/rpmdb/generate.sh "$WORK/db" 2>"$WORK/generate.log" ||
    { cat "$WORK/generate.log" >&2; fail "generate.sh failed"; }

# The rpm packages of a CycloneDX SBOM, as `rpm -qa --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}'`.
rpm_lines() {
    python3 - "$1" <<'PY'
import json, sys, urllib.parse
bom = json.load(open(sys.argv[1]))
lines = []
for c in bom.get("components", []):
    purl = c.get("purl", "")
    if not purl.startswith("pkg:rpm/"):
        continue
    query = urllib.parse.parse_qs(purl.partition("?")[2])
    version = c["version"] if ":" in c["version"] else "(none):" + c["version"]
    lines.append(f'{c["name"]} {version} {query["arch"][0]}')
print("\n".join(sorted(lines, key=lambda s: s.encode())))
PY
}

passed=0
failed=0
check() { # NAME EXPECTED-FILE DB-FILES...
    local name="$1" expected="$2"
    shift 2
    local root="$WORK/root-$name"
    mkdir -p "$root/var/lib/rpm"
    cp "$@" "$root/var/lib/rpm/"
    "$STELLA" sbom "dir:$root" -o cyclonedx-json >"$WORK/$name.json"
    rpm_lines "$WORK/$name.json" >"$WORK/$name.txt"
    if [ -s "$expected" ] && diff -u "$expected" "$WORK/$name.txt"; then
        echo "ok   $name: $(wc -l <"$expected") packages, as rpm -qa lists them"
        passed=$((passed + 1))
    else
        echo "FAIL $name: Stella's packages differ from rpm -qa (above)"
        failed=$((failed + 1))
    fi
}

D="$WORK/db"
check sqlite-wal "$D/sqlite-wal/expected.txt" "$D/sqlite-wal/rpmdb.sqlite" "$D/sqlite-wal/rpmdb.sqlite-wal"
check sqlite-db-only "$D/sqlite-wal/expected-db-only.txt" "$D/sqlite-wal/rpmdb.sqlite"
for bdb in bdb-le bdb-be bdb-inline; do
    check "$bdb" "$D/$bdb/expected.txt" "$D/$bdb/Packages"
done
echo "rpmdb: $passed passed, $failed failed"
[ "$failed" = 0 ]
