#!/usr/bin/env bash
# Builds rpm with its ndb backend (SUSE's Packages.db) from Debian's own rpm source package,
# for generate.sh (Debian's binary rpm has the sqlite and bdb_ro backends only).
#
#   build-ndb-rpm.sh PREFIX     install it to PREFIX (e.g. /opt/rpm-ndb), then
#   RPM_NDB_PREFIX=PREFIX ./generate.sh
#
# Needs root for apt. The source comes from Debian's archive (deb-src of bookworm, through a
# private apt list directory: the system's apt configuration is left as it is).
set -euo pipefail
PREFIX="${1:?usage: build-ndb-rpm.sh PREFIX}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lists/partial"
cat >"$WORK/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
EOF
APT=(-o Dir::Etc::SourceList="$WORK/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$WORK/lists")
apt-get "${APT[@]}" update
apt-get -o DPkg::Lock::Timeout=600 install -y build-essential pkg-config libpopt-dev \
    liblua5.3-dev libmagic-dev libgcrypt20-dev libsqlite3-dev zlib1g-dev libbz2-dev liblzma-dev
(cd "$WORK" && apt-get "${APT[@]}" source --download-only rpm)
tar -xf "$WORK"/rpm_*.orig.tar.* -C "$WORK"
cd "$WORK"/rpm-*/
LUA_CFLAGS="$(pkg-config --cflags lua5.3)" LUA_LIBS="$(pkg-config --libs lua5.3)" \
    ./configure --prefix="$PREFIX" --enable-ndb --enable-sqlite=yes --enable-bdb-ro \
    --disable-openmp --enable-zstd=no --enable-libelf=no --disable-plugins \
    --with-crypto=libgcrypt --without-archive --disable-nls
make -j"$(nproc)"
make install
"$PREFIX/bin/rpm" --showrc | grep -q 'available backends.*ndb'
echo "build-ndb-rpm.sh: rpm with ndb in $PREFIX"
