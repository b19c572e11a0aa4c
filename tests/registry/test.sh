#!/usr/bin/env bash
# The registry client against a real OCI distribution registry: Debian's `docker-registry`
# (github.com/distribution/distribution 2.8), started here on free loopback ports with
# temporary storage directories and configs written below (no systemd), killed on exit.
#
# 1. `cargo test -p stella-cli --test registry_real` with STELLA_TEST_REGISTRY=127.0.0.1:PORT: the
#    test pushes fixture images with our own push code (monolithic blob upload, manifest PUT),
#    pulls them by tag and by digest and checks the SBOMs equal, byte for byte, those of the
#    same images read from OCI layouts; manifest list selection, Docker v2 types, a tag moved
#    after the pull (typed error), an unknown digest. A second registry with htpasswd (basic)
#    auth (STELLA_TEST_REGISTRY_BASIC=USER:PASSWORD@127.0.0.1:PORT) checks the caller's
#    credentials: refused without them or with wrong ones, pushed and pulled with them (also
#    through the CLI: STELLA_REGISTRY_HOST / _USERNAME / _PASSWORD for that host only, and a
#    DOCKER_CONFIG config.json with an `auths` entry).
# 2. Cross-check with skopeo: skopeo copies what our code pushed into an OCI layout (skopeo
#    verifies every digest), its manifest digest must be the one we pushed; skopeo pushes that
#    layout back under another name, and `stella sbom registry:…` of skopeo's push finds the
#    same packages and manifest digest as `stella sbom oci-dir:` of skopeo's layout.
# 3. Credentials as skopeo stores them: `skopeo login --authfile F` to the basic-auth registry,
#    skopeo pushes there with F, and `stella sbom registry:` reads F through
#    REGISTRY_AUTH_FILE (and is refused without it).
#
# Prerequisites: Debian's `docker-registry` and `skopeo` (one command, once, as root:
# `sudo apt-get install -y docker-registry skopeo`), and python3. The script itself never needs
# root. When either tool is missing:
# - under CI (CI=true, as .ci/run sets it) it installs them with apt-get when it runs as root
#   (a throwaway CI machine), and otherwise FAILS with the command above: never skipped in CI;
# - elsewhere it FAILS with the command above, unless STELLA_SKIP_REGISTRY=1 asks to skip: then
#   it prints a loud SKIPPED line naming the command and exits 0 (refused under CI=true).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "FAIL tests/registry/test.sh: $*" >&2
    exit 1
}

INSTALL="sudo apt-get install -y docker-registry skopeo"
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v python3 >/dev/null 2>&1 || fail "python3 not found (a documented prerequisite)"
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "${CI:-}" = true ]; then
        [ -z "${STELLA_SKIP_REGISTRY:-}" ] || echo "STELLA_SKIP_REGISTRY is ignored under CI=true" >&2
        command -v apt-get >/dev/null 2>&1 ||
            fail "${missing[*]} not installed and apt-get is unavailable (install Debian's ${missing[*]} packages)"
        [ "$(id -u)" = 0 ] || fail "${missing[*]} not installed; install them before CI runs: $INSTALL"
        echo "== CI: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "${missing[@]}" >/dev/null ||
            { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } ||
            fail "apt-get install ${missing[*]} failed"
    elif [ "${STELLA_SKIP_REGISTRY:-}" = 1 ]; then
        echo "!!!!!! SKIPPED tests/registry/test.sh: ${missing[*]} not installed (STELLA_SKIP_REGISTRY=1)." >&2
        echo "!!!!!! The registry client was NOT tested. Install with: $INSTALL" >&2
        exit 0
    else
        fail "${missing[*]} not installed. Install with: $INSTALL
    (or set STELLA_SKIP_REGISTRY=1 to skip this suite, loudly, outside CI)"
    fi
fi

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

start_registry plain
HOST="$REGISTRY_HOST"
printf '%s\n' "$BASIC_HTPASSWD" >"$WORK/htpasswd"
start_registry basic "auth:
  htpasswd:
    realm: stella-test
    path: $WORK/htpasswd"
BASIC_HOST="$REGISTRY_HOST"

echo "== cargo test -p stella-cli --test registry_real (STELLA_TEST_REGISTRY=$HOST)"
STELLA_TEST_REGISTRY="$HOST" STELLA_TEST_REGISTRY_REPORT="$WORK/pushed.txt" \
    STELLA_TEST_REGISTRY_BASIC="$BASIC_USER:$BASIC_PASSWORD@$BASIC_HOST" \
    cargo test --locked -p stella-cli --test registry_real -- --ignored --test-threads=2 ||
    { tail -n 50 "$WORK"/*/registry.log >&2; fail "registry_real failed"; }
[ -s "$WORK/pushed.txt" ] || fail "the Rust test did not report what it pushed"

echo "== cargo test -p stella --test contract_image (the ImageSource contract, STELLA_TEST_REGISTRY=$HOST)"
STELLA_TEST_REGISTRY="$HOST" cargo test --locked -p stella --test contract_image -- --ignored ||
    { tail -n 50 "$WORK"/*/registry.log >&2; fail "contract_image (registry) failed"; }
read -r PUSHED_REPO PUSHED_DIGEST <"$WORK/pushed.txt"

echo "== skopeo cross-check of $PUSHED_REPO@$PUSHED_DIGEST"
cargo build --quiet --locked -p stella-cli
STELLA="${CARGO_TARGET_DIR:-target}/debug/stella"
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

skopeo_digest() {
    skopeo inspect --raw --tls-verify=false "docker://$HOST/$PUSHED_REPO:v1" | sha256sum | cut -d' ' -f1
}
check "skopeo reads our push: the manifest bytes hash to the digest we pushed" \
    test "sha256:$(skopeo_digest)" = "$PUSHED_DIGEST"
check "skopeo copies our push into an OCI layout (verifying every blob)" \
    skopeo copy --quiet --src-tls-verify=false "docker://$HOST/$PUSHED_REPO:v1" "oci:$WORK/layout:v1"
check "skopeo pushes that layout back" \
    skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout:v1" "docker://$HOST/stella-test/skopeo-pushed:v1"
check "stella sbom registry: of skopeo's push" \
    "$STELLA" sbom "registry:$HOST/stella-test/skopeo-pushed:v1" --output-file "$WORK/from-registry.json"
check "stella sbom oci-dir: of skopeo's layout" \
    "$STELLA" sbom "oci-dir:$WORK/layout" --output-file "$WORK/from-layout.json"
same_packages() {
    python3 - "$WORK/from-registry.json" "$WORK/from-layout.json" "$PUSHED_DIGEST" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
purls = lambda d: sorted(c.get("purl", "") for c in d.get("components", []))
assert purls(a) == purls(b) and len(purls(a)) >= 4, (purls(a), purls(b))
for doc in (a, b):
    assert sys.argv[3].split(":")[1] in json.dumps(doc), "manifest digest missing"
PY
}
check "both SBOMs list the same packages and name the pushed manifest digest" same_packages

# 3. Credentials the way skopeo/podman store them: `skopeo login` writes an auth file, skopeo
#    pushes with it to the basic-auth registry, and stella reads the same file
#    (REGISTRY_AUTH_FILE), with a private HOME and no STELLA_REGISTRY_* variables.
mkdir -p "$WORK/home"
stella_authed() {
    env -u STELLA_REGISTRY_HOST -u STELLA_REGISTRY_USERNAME -u STELLA_REGISTRY_PASSWORD \
        -u DOCKER_CONFIG -u XDG_RUNTIME_DIR -u XDG_CONFIG_HOME -u REGISTRY_AUTH_FILE \
        HOME="$WORK/home" "$@" "$STELLA" sbom "registry:$BASIC_HOST/stella-test/authed:v1" \
        --output-file "$WORK/from-authed.json"
}
refused_without_auth_file() {
    ! stella_authed 2>"$WORK/refused.txt" && grep -q unauthorized "$WORK/refused.txt"
}
check "skopeo login writes an auth file for the basic-auth registry" \
    sh -c 'printf %s "$1" | skopeo login --authfile "$2" --tls-verify=false -u "$3" --password-stdin "$4" >/dev/null' \
    _ "$BASIC_PASSWORD" "$WORK/auth.json" "$BASIC_USER" "$BASIC_HOST"
check "skopeo pushes the layout to the basic-auth registry with it" \
    skopeo copy --quiet --authfile "$WORK/auth.json" --dest-tls-verify=false \
    "oci:$WORK/layout:v1" "docker://$BASIC_HOST/stella-test/authed:v1"
check "stella sbom registry: of it with REGISTRY_AUTH_FILE = skopeo's auth file" \
    stella_authed REGISTRY_AUTH_FILE="$WORK/auth.json"
check "stella sbom registry: of it without the auth file: unauthorized" refused_without_auth_file

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
