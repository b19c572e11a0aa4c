#!/usr/bin/env bash
# Builds the test rpm databases of this directory with rpm itself, and records what
# `rpm -qa` prints for each (the expected lists the tests compare Stella's reading with).
#
#   generate.sh OUT_DIR     write the databases and lists to OUT_DIR (default: this directory)
#
# Needs Debian's rpm (rpm, rpmbuild, rpmdb: sqlite and bdb_ro backends), db5.3-util
# (db5.3_load: Berkeley DB 5.3, the library rpm's BDB backend used on RHEL/CentOS 7-8 and
# Amazon Linux 2) and python3. The ndb database needs an rpm built with ndb, which Debian's is
# not: set RPM_NDB_PREFIX to the prefix of one (made from Debian's own rpm source with
# build-ndb-rpm.sh beside this script); without it the ndb database is left as it is.
#
# Every database holds the packages built from specs/ (rpmbuild), installed with
# `rpm -i --justdb --nodeps`, and one of them erased again (so each database has a freed
# record or slot):
#   sqlite-wal/  rpmdb.sqlite + rpmdb.sqlite-wal: rpm (sqlite backend, WAL mode since rpm
#                4.16) with a reader holding a snapshot open while rpm installed the last
#                packages, so rpm's closing checkpoint could not fold them into the database:
#                they are only in the log, as rpm leaves them when a reader is active.
#                expected.txt is `rpm -qa` of both files, expected-db-only.txt of the database
#                file alone (an rpm ≥ 4.16 database with an empty log, as images ship it).
#   bdb-le/ bdb-be/ bdb-inline/  Packages: Debian's rpm cannot write Berkeley DB (bdb_ro only),
#                so the same header blobs rpm wrote to sqlite (key: the 4-byte instance number
#                in the database's byte order, value: the header; key 0: the next instance, as
#                rpm's BDB backend keeps it) are loaded with Berkeley DB 5.3's db_load into a
#                hash database: little-endian 4 KiB pages, fill factor 1 (many buckets, every
#                header on overflow pages); big-endian 1 KiB pages (long overflow chains); and
#                little-endian 64 KiB pages (headers inline on the hash pages). The expected
#                list is what rpm's bdb_ro backend reads from each.
#   ndb/         Packages.db: rpm with the ndb backend (RPM_NDB_PREFIX).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE}"
QF='%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}\n'
for tool in rpm rpmbuild rpmdb db5.3_load python3; do
    command -v "$tool" >/dev/null || { echo "generate.sh: $tool not found" >&2; exit 1; }
done
WORK="$(mktemp -d)"
HOLDER=""
cleanup() {
    [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The packages.
export SOURCE_DATE_EPOCH=1700000000
for spec in "$HERE"/specs/*.spec; do
    arch=$(sed -n 's/^BuildArch: *//p' "$spec")
    rpmbuild --quiet -bb --define "_topdir $WORK/build" --define "_buildhost stella.test" \
        --define "use_source_date_epoch_as_buildtime 1" --target "${arch:-x86_64}" "$spec" >/dev/null
done
RPMS="$WORK/build/RPMS"
pkg() { ls "$RPMS"/*/"$1"-[0-9]*.rpm; }

# `rpm -qa` of a database directory, on a scratch copy (rpm may checkpoint what it opens).
qa() { # DIR [rpm-prefix] [backend]
    local scratch="$WORK/qa.$RANDOM"
    cp -r "$1" "$scratch"
    "${2:-}rpm" -qa --dbpath "$scratch" ${3:+--define "_db_backend $3"} --qf "$QF" 2>>"$WORK/rpm-stderr.log" |
        LC_ALL=C sort
    rm -rf "$scratch"
}

# 2. sqlite in WAL mode, the last transactions only in the log.
DB="$WORK/sqlite"
mkdir -p "$DB"
rpmdb --initdb --dbpath "$DB" --define '_db_backend sqlite'
rpm -i --justdb --nodeps --dbpath "$DB" "$(pkg alpha)" "$(pkg beta)" "$(pkg gamma)"
rpm -e --justdb --nodeps --dbpath "$DB" gamma
mkfifo "$WORK/ready" "$WORK/done"
python3 - "$DB/rpmdb.sqlite" "$WORK/ready" "$WORK/done" <<'PY' &
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN")
con.execute("SELECT count(*) FROM Packages").fetchone()  # a read snapshot, held open
open(sys.argv[2], "w").close()
open(sys.argv[3]).read()
PY
HOLDER=$!
cat "$WORK/ready" >/dev/null
# rpm's closing `wal_checkpoint = TRUNCATE` waits for the reader (busy timeout, 10 s), then
# leaves the new frames in the log.
rpm -i --justdb --nodeps --dbpath "$DB" "$(pkg delta)" "$(pkg epsilon)" "$(pkg zeta)"
mkdir -p "$OUT/sqlite-wal"
cp "$DB/rpmdb.sqlite" "$DB/rpmdb.sqlite-wal" "$OUT/sqlite-wal/"
echo >"$WORK/done"
wait "$HOLDER"
HOLDER=""
[ "$(od -An -tu1 -j18 -N2 "$OUT/sqlite-wal/rpmdb.sqlite" | tr -s ' ')" = " 2 2" ] ||
    { echo "generate.sh: rpm's database is not in WAL mode" >&2; exit 1; }
[ -s "$OUT/sqlite-wal/rpmdb.sqlite-wal" ] || { echo "generate.sh: the log is empty" >&2; exit 1; }
qa "$OUT/sqlite-wal" >"$OUT/sqlite-wal/expected.txt"
mkdir -p "$WORK/dbonly"
cp "$OUT/sqlite-wal/rpmdb.sqlite" "$WORK/dbonly/"
qa "$WORK/dbonly" >"$OUT/sqlite-wal/expected-db-only.txt"
cmp -s "$OUT/sqlite-wal/expected.txt" "$OUT/sqlite-wal/expected-db-only.txt" &&
    { echo "generate.sh: the log adds nothing" >&2; exit 1; }

# 3. Berkeley DB hash databases of the headers rpm wrote (a complete sqlite database).
FULL="$WORK/full"
mkdir -p "$FULL"
rpmdb --initdb --dbpath "$FULL" --define '_db_backend sqlite'
rpm -i --justdb --nodeps --dbpath "$FULL" "$RPMS"/*/*.rpm
rpm -e --justdb --nodeps --dbpath "$FULL" gamma
bdb() { # NAME ORDER(little|big) PAGESIZE FFACTOR
    mkdir -p "$OUT/$1"
    rm -f "$OUT/$1/Packages"
    python3 - "$FULL/rpmdb.sqlite" "$2" >"$WORK/$1.dump" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
order = sys.argv[2]
print("VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END")
def kv(k, v):
    print(" " + k.hex())
    print(" " + v.hex())
kv((0).to_bytes(4, order), (max(h for h, _ in rows) + 1).to_bytes(4, order))
for hnum, blob in rows:
    kv(hnum.to_bytes(4, order), blob)
print("DATA=END")
PY
    local lorder=1234
    [ "$2" = big ] && lorder=4321
    db5.3_load -t hash -c db_lorder=$lorder -c db_pagesize="$3" ${4:+-c h_ffactor=$4} \
        -f "$WORK/$1.dump" "$OUT/$1/Packages"
    qa "$OUT/$1" "" bdb_ro >"$OUT/$1/expected.txt"
    [ -s "$OUT/$1/expected.txt" ] || { echo "generate.sh: rpm reads nothing from $1" >&2; exit 1; }
}
bdb bdb-le little 4096 1
bdb bdb-be big 1024 ""
bdb bdb-inline little 65536 ""

# 4. ndb, with an rpm built with it.
if [ -n "${RPM_NDB_PREFIX:-}" ]; then
    NRPM="$RPM_NDB_PREFIX/bin/"
    NDB="$WORK/ndb"
    mkdir -p "$NDB" "$OUT/ndb"
    "${NRPM}rpmdb" --initdb --dbpath "$NDB" --define '_db_backend ndb'
    "${NRPM}rpm" -i --justdb --nodeps --dbpath "$NDB" --define '_db_backend ndb' "$RPMS"/*/*.rpm
    "${NRPM}rpm" -e --justdb --nodeps --dbpath "$NDB" --define '_db_backend ndb' gamma
    cp "$NDB/Packages.db" "$OUT/ndb/"
    qa "$OUT/ndb" "$NRPM" ndb >"$OUT/ndb/expected.txt"
    "${NRPM}rpm" --version >"$OUT/ndb/rpm-version.txt"
else
    echo "generate.sh: RPM_NDB_PREFIX not set: ndb/ left as it is" >&2
fi
rpm --version >"$OUT/rpm-version.txt"
db5.3_load -V >>"$OUT/rpm-version.txt"
echo "generate.sh: written to $OUT"
