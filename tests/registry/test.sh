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

SUITE=tests/registry/test.sh
# shellcheck source=tests/registry/lib.sh
. tests/registry/lib.sh

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
