# Sourced by the registry suites (tests/registry/test.sh, tests/registry/referrers.sh): the
# prerequisite check (Debian's docker-registry and skopeo; installed under CI as root, never
# skipped under CI=true, skipped loudly with STELLA_SKIP_REGISTRY=1 elsewhere), a temporary
# work directory, start_registry (docker-registry on a free loopback port, killed on exit) and
# the check counter. $SUITE names the calling script in messages.
fail() {
    echo "FAIL ${SUITE}: $*" >&2
    exit 1
}

missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v python3 >/dev/null 2>&1 || fail "python3 not found (a documented prerequisite)"
# shellcheck source=tests/interop/require-debian.sh
. tests/interop/require-debian.sh "$SUITE" STELLA_SKIP_REGISTRY "The registry client was"

WORK="$(mktemp -d)"
REGISTRY_PIDS=()
cleanup() {
    for pid in "${REGISTRY_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Whether a distribution registry answers /v2/ on $1 (200, or 401 when it wants auth).
answers() {
    python3 - "$1" 2>/dev/null <<'PY'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen("http://" + sys.argv[1] + "/v2/", timeout=2)
except urllib.error.HTTPError as e:
    sys.exit(e.code != 401)
PY
}

# A test user for the basic-auth registry: user `stella`, password `stella-test-password`
# (bcrypt, as `htpasswd -B` writes it; a fixed test credential, not a secret).
BASIC_USER=stella
BASIC_PASSWORD=stella-test-password
BASIC_HTPASSWD='stella:$2b$10$d7IRgBruS8q3l2jMt9jcCOBlsz3IychjI14xcI3qfqsi6gukTci6W'

# start_registry NAME [AUTH_YAML]: docker-registry on a free loopback port, storage under
# $WORK/NAME; waits until it answers and sets REGISTRY_HOST to its HOST:PORT. (Run in this
# shell, not in a $(...) subshell, so the trap can kill and reap it.)
start_registry() {
    local name="$1" auth="${2:-}" port host
    port="$(free_port)"
    host="127.0.0.1:$port"
    mkdir -p "$WORK/$name/storage"
    {
        echo "version: 0.1"
        echo "log:"
        echo "  level: warn"
        echo "  accesslog:"
        echo "    disabled: true"
        echo "storage:"
        echo "  filesystem:"
        echo "    rootdirectory: $WORK/$name/storage"
        echo "  delete:"
        echo "    enabled: true"
        echo "http:"
        echo "  addr: $host"
        echo "  secret: stella-test-$name"
        [ -z "$auth" ] || echo "$auth"
    } >"$WORK/$name/config.yml"
    echo "== docker-registry serve on $host ($name)"
    docker-registry serve "$WORK/$name/config.yml" >"$WORK/$name/registry.log" 2>&1 &
    local pid=$!
    REGISTRY_PIDS+=("$pid")
    REGISTRY_HOST="$host"
    for _ in $(seq 1 100); do
        answers "$host" && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name/registry.log" >&2; fail "docker-registry ($name) exited"; }
        sleep 0.1
    done
    cat "$WORK/$name/registry.log" >&2
    fail "docker-registry ($name) did not answer on $host"
}

passed=0
failed=0
check() {
    local name="$1"
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
    fi
}

