#!/usr/bin/env bash
# TUF interop with the PyPI packages tuf (python-tuf) and securesystemslib (pinned below):
# tuf_gen.py builds fresh TUF repositories with new random keys (root rotation, expiry, rollback,
# thresholds, mix-and-match, tampered targets, ...) and records python-tuf's own client verdict
# on each; then Stella's TUF client (stella-attest, in memory) and its mirror reader (stella,
# from a directory and over loopback HTTPS) must give the expected verdict on every one, and
# agree with python-tuf except where Stella is stricter on purpose (cases named stricter_*).
# The committed set in tests/vectors/tuf was made by the same script.
#
# Needs python3 with venv and pip access to PyPI. Shares the venv of tests/interop/test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

TUF_VERSION=6.0.0
SSLIB_VERSION=1.6.0
CRYPTOGRAPHY_VERSION=50.0.2
# shellcheck source=tests/interop/venv.sh
. tests/interop/venv.sh "tests/interop/tuf.sh"
if ! "$PY" -c "import tuf, securesystemslib, cryptography, sys; sys.exit(tuf.__version__ != '$TUF_VERSION' or securesystemslib.__version__ != '$SSLIB_VERSION' or cryptography.__version__ != '$CRYPTOGRAPHY_VERSION')" 2>/dev/null; then
    "$PY" -m pip install --quiet --disable-pip-version-check \
        "tuf==$TUF_VERSION" "securesystemslib[crypto]==$SSLIB_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$PY" tests/interop/tuf_gen.py "$WORK/tuf"
STELLA_TUF_VECTORS="$WORK/tuf" cargo test --quiet --locked -p stella-attest --test tuf
STELLA_TUF_VECTORS="$WORK/tuf" cargo test --quiet --locked -p stella --test tuf_mirror
echo "tuf interop: $(find "$WORK/tuf" -name case.json | wc -l) fresh python-tuf repositories, same verdicts"
