#!/usr/bin/env bash
# Builds the Python binding (stella_ops) and runs its tests: the pytest suite (every shared
# conformance vector, error kinds, forced panic, README quick start, GIL release, determinism),
# mypy.stubtest (the stubs match the module) and mypy --strict on the tests and a typed usage
# program. Fails on any failure; skips nothing.
#
# The venv lives outside the repository, in $HOME/.cache/stella-ops/venv-python, created once
# and reused; maturin, pytest and mypy are pinned below. The package is installed the way the
# README says (`pip install ./bindings/python`), with the debug profile for speed and without
# build isolation (maturin is already in the venv). CARGO_TARGET_DIR is used when set.
set -euo pipefail
cd "$(dirname "$0")/../.."

MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0
MYPY_VERSION=2.4.1
VENV="${HOME}/.cache/stella-ops/venv-python"
CACHE="${HOME}/.cache/stella-ops"

if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" || {
        rm -rf "$VENV"
        echo "FAIL bindings/python/test.sh: python3 -m venv failed; it needs Python 3.9+ with venv (Debian/Ubuntu: sudo apt-get install -y python3-venv)" >&2
        exit 1
    }
fi
PY="$VENV/bin/python"
if ! "$PY" - "$MATURIN_VERSION" "$PYTEST_VERSION" "$MYPY_VERSION" <<'PYEOF' 2>/dev/null; then
import sys
from importlib.metadata import version
wanted = dict(zip(["maturin", "pytest", "mypy"], sys.argv[1:]))
sys.exit(any(version(name) != v for name, v in wanted.items()))
PYEOF
    "$PY" -m pip install --quiet --disable-pip-version-check \
        "maturin==$MATURIN_VERSION" "pytest==$PYTEST_VERSION" "mypy==$MYPY_VERSION"
fi

# maturin's PEP 517 backend runs the `maturin` command of the venv.
export PATH="$VENV/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

echo "-- pip install ./bindings/python (debug profile)"
MATURIN_PEP517_ARGS="--profile dev" "$PY" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./bindings/python

echo "-- mypy.stubtest stella_ops"
(cd "$CACHE" && "$PY" -m mypy.stubtest stella_ops)

echo "-- mypy --strict bindings/python/tests"
"$PY" -m mypy --strict --cache-dir "$CACHE/mypy-python" bindings/python/tests

echo "-- pytest bindings/python/tests"
"$PY" -m pytest -p no:cacheprovider -q bindings/python/tests
