# Sourced by the interop scripts: the shared venv in $HOME/.cache/stella-ops/venv-interop,
# created once, as $PY. Each script then checks and pip-installs its own pinned packages.
# $1: the calling script's name, for the error message. A script that needs packages the shared
# venv cannot hold next to the others (sigstore.sh: a newer `cryptography`) sets INTEROP_VENV
# to its own venv directory first.
VENV="${INTEROP_VENV:-${HOME}/.cache/stella-ops/venv-interop}"
if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" || {
        rm -rf "$VENV"
        echo "FAIL $1: python3 -m venv failed; it needs Python 3.9+ with venv (Debian/Ubuntu: sudo apt-get install -y python3-venv)" >&2
        exit 1
    }
fi
PY="$VENV/bin/python"
