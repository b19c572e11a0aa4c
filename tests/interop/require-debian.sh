# Sourced by the interop scripts that need Debian packages, after they fill `missing` (the
# package names not installed) and define `fail`:
#   . tests/interop/require-debian.sh SCRIPT SKIP_VAR WHAT
# SCRIPT names the calling script in messages, SKIP_VAR the environment variable that skips it
# loudly outside CI, WHAT says what would go unchecked. Under CI=true the packages are installed
# with apt-get (root on a throwaway CI machine; never skipped); elsewhere a missing package fails
# the suite with the command that installs it, unless $SKIP_VAR=1, which skips loudly (exit 0).
if [ "${#missing[@]}" -gt 0 ]; then
    _install="sudo apt-get install -y ${missing[*]}"
    if [ "${CI:-}" = true ]; then
        [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 ||
            fail "${missing[*]} not installed; install them before CI runs: $_install"
        echo "== CI: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "${missing[@]}" >/dev/null ||
            { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } ||
            fail "apt-get install ${missing[*]} failed"
    elif [ "${!2:-}" = 1 ]; then
        echo "!!!!!! SKIPPED $1: ${missing[*]} not installed ($2=1)." >&2
        echo "!!!!!! $3 NOT checked. Install with: $_install" >&2
        exit 0
    else
        fail "${missing[*]} not installed. Install with: $_install
    (or set $2=1 to skip this suite, loudly, outside CI)"
    fi
fi
