#!/usr/bin/env bash
# DSSE interop with the PyPI package securesystemslib (pinned below), both ways, for ECDSA P-256
# and Ed25519: an envelope `stella attest` signs verifies with securesystemslib, and one
# securesystemslib signs verifies with `stella verify`. Tampered envelopes must fail on both sides.
#
# Needs python3 with venv and pip access to PyPI. The venv is created once under
# $HOME/.cache/stella-ops/venv-interop and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."

SSLIB_VERSION=1.6.0
CRYPTOGRAPHY_VERSION=50.0.2
# shellcheck source=tests/interop/venv.sh
. tests/interop/venv.sh "tests/interop/test.sh"
if ! "$PY" -c "import securesystemslib, cryptography, sys; sys.exit(securesystemslib.__version__ != '$SSLIB_VERSION' or cryptography.__version__ != '$CRYPTOGRAPHY_VERSION')" 2>/dev/null; then
    "$PY" -m pip install --quiet --disable-pip-version-check \
        "securesystemslib[crypto]==$SSLIB_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION"
fi

cargo build --quiet --locked -p stella-cli
STELLA="${CARGO_TARGET_DIR:-target}/debug/stella"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

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
fails() { ! "$@" 2>/dev/null; }

TYPE="https://stella-ops.org/attestations/interop/1"
SUBJECT="$(printf 'interop image' | sha256sum | cut -d' ' -f1)"
printf '{"signedBy":"stella"}' > "$WORK/predicate.json"

for alg in ecdsa-p256 ed25519; do
    key="$WORK/$alg.key"
    pub="$WORK/$alg.pub"
    "$STELLA" key generate --algorithm "$alg" --output-file "$key" --public-file "$pub" 2>/dev/null

    # stella signs, securesystemslib verifies.
    "$STELLA" attest --type "$TYPE" --predicate "$WORK/predicate.json" --key "$key" \
        --output-file "$WORK/$alg.ours.json" "sha256:$SUBJECT"
    check "$alg: securesystemslib verifies stella's envelope" \
        "$PY" tests/interop/interop.py verify "$WORK/$alg.ours.json" "$pub" application/vnd.in-toto+json >/dev/null
    "$PY" -c "
import base64, json, sys
e = json.load(open(sys.argv[1]))
p = bytearray(base64.b64decode(e['payload'])); p[10] ^= 1
e['payload'] = base64.b64encode(bytes(p)).decode()
json.dump(e, open(sys.argv[2], 'w'))" "$WORK/$alg.ours.json" "$WORK/$alg.ours-tampered.json"
    check "$alg: securesystemslib rejects stella's envelope tampered" \
        fails "$PY" tests/interop/interop.py verify "$WORK/$alg.ours-tampered.json" "$pub" application/vnd.in-toto+json

    # securesystemslib signs (with its own key id scheme), stella verifies.
    "$PY" tests/interop/interop.py sign "$key" "$SUBJECT" "$TYPE" "$WORK/$alg.theirs.json"
    check "$alg: stella verifies securesystemslib's envelope" \
        "$STELLA" verify "$WORK/$alg.theirs.json" --key "$pub" --type "$TYPE" --subject "sha256:$SUBJECT" >/dev/null
    "$PY" -c "
import json, sys
e = json.load(open(sys.argv[1]))
e['payloadType'] = 'application/vnd.in-toto+jsoN'
json.dump(e, open(sys.argv[2], 'w'))" "$WORK/$alg.theirs.json" "$WORK/$alg.theirs-tampered.json"
    check "$alg: stella rejects securesystemslib's envelope with another payloadType" \
        fails "$STELLA" verify "$WORK/$alg.theirs-tampered.json" --key "$pub"
done

echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
