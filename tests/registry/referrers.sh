#!/usr/bin/env bash
# Artifacts attached to images in a real OCI registry (issue 23): Debian's `docker-registry`
# (distribution 2.8: no referrers API, so the referrers tag schema), two of them on free loopback
# ports (a source and a mirror), started and killed here as tests/registry/test.sh does (shared
# code: tests/registry/lib.sh). The referrers API path is tested hermetically
# (stella-cli/tests/oci_referrers.rs, with the distribution spec's documented answers).
#
# 1. `cargo test -p stella-cli --test oci_registry_real -- --ignored`: the golden path with the
#    registry as the store, list + verify from the registry alone, mirror to an OCI layout and to
#    the second registry then verify + scan + gate against each mirror with the same decision,
#    8 concurrent writers losing no referrer (tag schema and cosign's .att), a swapped subject
#    and a changed layer refused. The test reports the repositories it left behind.
# 2. Cross-checks of what was stored, with independent clients:
#    - skopeo reads the referrers tag (an OCI index) and every referrer manifest by digest;
#    - PyPI `oras` (oras-py, pinned below) reads the tag-schema index, every referrer manifest
#      and layer (subject, artifactType, digests), and cosign's .att layers written by Stella;
#    - oras WRITES cosign's attestation layout (tag sha256-<hex>.att, a DSSE layer annotated as
#      cosign annotates it) for an image skopeo copied with its digest preserved, and
#      `stella verify registry:…` finds and verifies it; `stella artifacts list` shows it.
# 3. Against a third registry with basic auth: stella pushes with the caller's credentials (and
#    is refused without), and npm `@sigstore/oci` attaches a Sigstore bundle to the same image
#    with its own tag-schema update; stella lists both (see below).
#
# Prerequisites as tests/registry/test.sh (docker-registry, skopeo, python3 with venv and pip
# access to PyPI; the oras venv is created once under $HOME/.cache/stella-ops/venv-oras), and
# node with npm (installed for the Node binding; @sigstore/oci goes once under
# $HOME/.cache/stella-ops/npm-sigstore-oci-VERSION).
set -euo pipefail
cd "$(dirname "$0")/../.."

SUITE=tests/registry/referrers.sh
# shellcheck source=tests/registry/lib.sh
. tests/registry/lib.sh

ORAS_VERSION=0.2.43
INTEROP_VENV="${HOME}/.cache/stella-ops/venv-oras"
# shellcheck source=tests/interop/venv.sh
. tests/interop/venv.sh "$SUITE"
if ! "$PY" -c "import oras.version, sys; sys.exit(oras.version.__version__ != '$ORAS_VERSION')" 2>/dev/null; then
    "$PY" -m pip install --quiet --disable-pip-version-check "oras==$ORAS_VERSION" ||
        fail "pip install oras==$ORAS_VERSION failed"
fi

start_registry source
HOST="$REGISTRY_HOST"
start_registry mirror
MIRROR_HOST="$REGISTRY_HOST"

echo "== cargo test -p stella-cli --test oci_registry_real (STELLA_TEST_REGISTRY=$HOST, _MIRROR=$MIRROR_HOST)"
STELLA_TEST_REGISTRY="$HOST" STELLA_TEST_REGISTRY_MIRROR="$MIRROR_HOST" \
    STELLA_TEST_OCI_REPORT="$WORK/oci-report.txt" \
    cargo test --locked -p stella-cli --test oci_registry_real -- --ignored --test-threads=1 ||
    { tail -n 50 "$WORK"/*/registry.log >&2; fail "oci_registry_real failed"; }
[ -s "$WORK/oci-report.txt" ] || fail "the Rust test did not report what it stored"
read -r _ _ GOLDEN_REPO GOLDEN_DIGEST < <(grep '^golden ' "$WORK/oci-report.txt")
read -r _ _ MIRROR_REPO _ < <(grep '^mirror ' "$WORK/oci-report.txt")
read -r _ _ EIGHT_REPO EIGHT_DIGEST < <(grep '^eight ' "$WORK/oci-report.txt")

cargo build --quiet --locked -p stella-cli
STELLA="${CARGO_TARGET_DIR:-target}/debug/stella"
HEX="${GOLDEN_DIGEST#sha256:}"

skopeo_referrers() {
    local host="$1" repo="$2"
    skopeo inspect --raw --tls-verify=false "docker://$host/$repo:sha256-$HEX" >"$WORK/index-$host.json" &&
        python3 - "$WORK/index-$host.json" "$GOLDEN_DIGEST" "$host" "$repo" <<'PY'
import hashlib, json, subprocess, sys
index = json.load(open(sys.argv[1]))
assert index["mediaType"] == "application/vnd.oci.image.index.v1+json", index
assert len(index["manifests"]) >= 12, len(index["manifests"])
for e in index["manifests"]:
    raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                          f"docker://{sys.argv[3]}/{sys.argv[4]}@{e['digest']}"],
                         check=True, capture_output=True).stdout
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == e["digest"]
    assert json.loads(raw)["subject"]["digest"] == sys.argv[2]
PY
}
check "skopeo reads the referrers tag and every referrer of the golden run" \
    skopeo_referrers "$HOST" "$GOLDEN_REPO"
check "skopeo reads them in the mirror registry too" \
    skopeo_referrers "$MIRROR_HOST" "$MIRROR_REPO"
check "skopeo: the mirrored image has the source's manifest digest" \
    test "sha256:$(skopeo inspect --raw --tls-verify=false "docker://$MIRROR_HOST/$MIRROR_REPO@$GOLDEN_DIGEST" | sha256sum | cut -d' ' -f1)" = "$GOLDEN_DIGEST"
check "oras reads the tag-schema index, each referrer manifest and layer" \
    "$PY" tests/registry/oras_check.py referrers "$HOST" "$GOLDEN_REPO" "$GOLDEN_DIGEST" 12
check "oras reads the 8 concurrent writers' referrers" \
    "$PY" tests/registry/oras_check.py referrers "$HOST" "$EIGHT_REPO" "$EIGHT_DIGEST" 8
check "oras reads the 8 concurrent writers' cosign attestation layers" \
    "$PY" tests/registry/oras_check.py cosign-read "$HOST" "$EIGHT_REPO" "$EIGHT_DIGEST" 8

# A cosign-layout attestation written by oras, read and verified by stella.
COSIGN_REPO="stella-oci/cosign-by-oras-$$"
"$STELLA" key generate --output-file "$WORK/oras-key.pem" --public-file "$WORK/oras-key.pub" >/dev/null
printf '%s' '{"bomFormat":"CycloneDX","specVersion":"1.6"}' >"$WORK/predicate.json"
check "skopeo copies the golden image, digest preserved" \
    skopeo copy --quiet --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    "docker://$HOST/$GOLDEN_REPO@$GOLDEN_DIGEST" "docker://$HOST/$COSIGN_REPO:v1"
check "stella attest signs an envelope (not pushed)" \
    "$STELLA" attest --type cyclonedx --predicate "$WORK/predicate.json" --key "$WORK/oras-key.pem" \
    --output-file "$WORK/oras-envelope.json" "sha256:$HEX"
check "oras writes it in cosign's layout (tag sha256-<hex>.att)" \
    "$PY" tests/registry/oras_check.py cosign-write "$HOST" "$COSIGN_REPO" "$GOLDEN_DIGEST" \
    "$WORK/oras-envelope.json" https://cyclonedx.org/bom
verified_from_oras() {
    "$STELLA" verify "registry:$HOST/$COSIGN_REPO@$GOLDEN_DIGEST" --key "$WORK/oras-key.pub" \
        --type cyclonedx >"$WORK/oras-verify.txt" &&
        grep -q '^PASS cosign-att' "$WORK/oras-verify.txt" &&
        grep -q '^1 of 1 verified' "$WORK/oras-verify.txt"
}
check "stella verify finds and verifies the oras-written cosign attestation" verified_from_oras
listed_from_oras() {
    "$STELLA" artifacts list "registry:$HOST/$COSIGN_REPO:v1" >"$WORK/oras-list.txt" &&
        grep -q 'cosign-att.*predicate=https://cyclonedx.org/bom' "$WORK/oras-list.txt"
}
check "stella artifacts list shows it" listed_from_oras
refused_other_key() {
    ! "$STELLA" verify "registry:$HOST/$COSIGN_REPO@$GOLDEN_DIGEST" --key "$WORK/oras-key.pub" \
        --type slsaprovenance1 >"$WORK/oras-wrong-type.txt" &&
        grep -q '^0 of 1 verified' "$WORK/oras-wrong-type.txt"
}
check "stella verify refuses it for another predicate type (exit 1)" refused_other_key

# 3. A registry with basic auth: Stella pushes with the caller's credentials
#    (STELLA_REGISTRY_HOST/_USERNAME/_PASSWORD), and npm `@sigstore/oci` (pinned below; the
#    package sigstore-js and GitHub's attest actions push Sigstore bundles with) attaches a
#    bundle to the same image with its own tag-schema update: each keeps the other's entries,
#    and `stella artifacts list` shows both.
SIGSTORE_OCI_VERSION=0.7.2
SIGSTORE_OCI_DIR="${HOME}/.cache/stella-ops/npm-sigstore-oci-$SIGSTORE_OCI_VERSION"
if [ ! -f "$SIGSTORE_OCI_DIR/node_modules/@sigstore/oci/package.json" ]; then
    mkdir -p "$SIGSTORE_OCI_DIR"
    echo '{"private":true}' >"$SIGSTORE_OCI_DIR/package.json"
    (cd "$SIGSTORE_OCI_DIR" && npm install --quiet --no-audit --no-fund "@sigstore/oci@$SIGSTORE_OCI_VERSION" >/dev/null) ||
        fail "npm install @sigstore/oci@$SIGSTORE_OCI_VERSION failed (needs node and npm)"
fi
printf '%s\n' "$BASIC_HTPASSWD" >"$WORK/htpasswd"
start_registry basic "auth:
  htpasswd:
    realm: stella-test
    path: $WORK/htpasswd"
BASIC_HOST="$REGISTRY_HOST"
AUTHED_REPO="stella-oci/authed"
check "skopeo copies the golden image to the basic-auth registry" \
    skopeo copy --quiet --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    --dest-creds "$BASIC_USER:$BASIC_PASSWORD" \
    "docker://$HOST/$GOLDEN_REPO@$GOLDEN_DIGEST" "docker://$BASIC_HOST/$AUTHED_REPO:v1"
stella_authed() {
    STELLA_REGISTRY_HOST="$BASIC_HOST" STELLA_REGISTRY_USERNAME="$BASIC_USER" \
        STELLA_REGISTRY_PASSWORD="$BASIC_PASSWORD" "$STELLA" "$@"
}
check "stella attest --push with the caller's credentials" \
    stella_authed attest --push --type cyclonedx --predicate "$WORK/predicate.json" \
    --key "$WORK/oras-key.pem" --output-file /dev/null "registry:$BASIC_HOST/$AUTHED_REPO:v1"
refused_without_credentials() {
    ! env -u STELLA_REGISTRY_HOST HOME="$WORK" "$STELLA" attest --push --type cyclonedx \
        --predicate "$WORK/predicate.json" --key "$WORK/oras-key.pem" --output-file /dev/null \
        "registry:$BASIC_HOST/$AUTHED_REPO:v1" 2>"$WORK/anon.txt" && grep -q unauthorized "$WORK/anon.txt"
}
check "stella attest --push without credentials: unauthorized" refused_without_credentials
BUNDLE="tests/vectors/sigstore/dsse_v001_bundle.sigstore.json"
check "@sigstore/oci attaches a Sigstore bundle to the same image" \
    env SIGSTORE_OCI_USER="$BASIC_USER" SIGSTORE_OCI_PASSWORD="$BASIC_PASSWORD" \
    node tests/registry/sigstore_oci.cjs "$SIGSTORE_OCI_DIR" "$BASIC_HOST/$AUTHED_REPO" "$GOLDEN_DIGEST" "$BUNDLE"
both_listed() {
    stella_authed artifacts list "registry:$BASIC_HOST/$AUTHED_REPO@$GOLDEN_DIGEST" >"$WORK/authed.txt" &&
        grep -q '^tag-schema .*application/vnd.dev.sigstore.bundle.v0.3+json.*log=tlog entry' "$WORK/authed.txt" &&
        grep -q '^tag-schema .*application/vnd.in-toto+json' "$WORK/authed.txt" &&
        grep -q '^cosign-att ' "$WORK/authed.txt" && ! grep -q REFUSED "$WORK/authed.txt"
}
check "stella lists both: its attestation and @sigstore/oci's bundle (each kept the other's entry)" both_listed
check "stella verify registry: with credentials verifies its attestation there" \
    stella_authed verify "registry:$BASIC_HOST/$AUTHED_REPO@$GOLDEN_DIGEST" --key "$WORK/oras-key.pub" \
    --type cyclonedx

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
