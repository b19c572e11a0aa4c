#!/usr/bin/env bash
# Sigstore bundle verification, differentially: every sigstore-conformance bundle-verify case
# (tests/vectors/sigstore/conformance/) is verified by `stella verify`, by sigstore-python (PyPI
# `sigstore`, pinned below) and by sigstore-js (npm `@sigstore/verify`, pinned in
# tests/interop/sigstore-js/package.json), all offline against the case's trusted root (or the
# Sigstore production trusted root the suite defaults to).
#
# Stella must give the suite's expected answer on every case (a case named `*_fail` must fail).
# Each oracle must agree with Stella on every case except those listed below as the oracle's own
# known deviations from the suite, each with its reason; a listed deviation that disappears is
# also a failure, so the list stays true.
#
# Needs python3 with venv, node and npm, and access to PyPI and the npm registry (once; the venv
# and node_modules are reused).
set -euo pipefail
cd "$(dirname "$0")/../.."

SIGSTORE_PYTHON_VERSION=4.5.1
CASES=tests/vectors/sigstore/conformance
DEFAULT_TRUST=tests/vectors/sigstore/conformance/production.trusted_root.json

# Cases where an oracle's answer differs from the suite's expectation (and so from Stella's).
KNOWN_PYTHON_DEVIATIONS="
intoto-with-custom-trust-root: sigstore-python 4.5.1 refuses integrated time for dsse 0.0.2-era entries (\"Integrated time only supported for dsse/hashedrekord 0.0.1 types\")
managed-key-and-trusted-root: sigstore-python verifies certificate identities only (no managed-key verification API)
managed-key-happy-path: sigstore-python verifies certificate identities only (no managed-key verification API)
managed-key-wrong-key_fail: sigstore-python verifies certificate identities only (no managed-key verification API)
trust-root-tsa-validity-end-inclusive: sigstore-python 4.5.1 treats a TSA validity end as exclusive (\"not enough sources of verified time\")
"
KNOWN_JS_DEVIATIONS="
rekor2-dsse-happy-path: @sigstore/verify 3.1.1 compares a Rekor v2 dsse v0.0.2 body's payload hash as v0.0.1 does (\"digest mismatch\")
trust-root-tlog-missing-validity-start_fail: @sigstore/verify 3.1.1 accepts a trusted-root log without validFor.start
"

INTEROP_VENV="${HOME}/.cache/stella-ops/venv-sigstore"
# shellcheck source=tests/interop/venv.sh
. tests/interop/venv.sh "tests/interop/sigstore.sh"
if ! "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('sigstore') != '$SIGSTORE_PYTHON_VERSION')" 2>/dev/null; then
    "$PY" -m pip install --quiet --disable-pip-version-check "sigstore==$SIGSTORE_PYTHON_VERSION"
fi
(cd tests/interop/sigstore-js && npm ci --silent --no-audit --no-fund >/dev/null)

cargo build --quiet --locked -p stella-cli
STELLA="${CARGO_TARGET_DIR:-target}/debug/stella"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$PY" tests/interop/sigstore_python_oracle.py "$CASES" "$DEFAULT_TRUST" >"$WORK/python.out"
node tests/interop/sigstore-js/oracle.mjs "$(pwd)/$CASES" "$(pwd)/$DEFAULT_TRUST" >"$WORK/js.out"

DEFAULT_IDENTITY="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEFAULT_ISSUER="https://token.actions.githubusercontent.com"
: >"$WORK/stella.out"
for dir in "$CASES"/bundle-verify/*/; do
    case_name="$(basename "$dir")"
    trust="$DEFAULT_TRUST"
    [ -f "$dir/trusted_root.json" ] && trust="$dir/trusted_root.json"
    artifact="$CASES/a.txt"
    [ -f "$dir/artifact" ] && artifact="$dir/artifact"
    if [ -f "$dir/key.pub" ]; then
        who=(--key "$dir/key.pub")
    else
        identity="$DEFAULT_IDENTITY"
        issuer="$DEFAULT_ISSUER"
        [ -f "$dir/identity" ] && identity="$(cat "$dir/identity")"
        [ -f "$dir/issuer" ] && issuer="$(cat "$dir/issuer")"
        who=(--certificate-identity "$identity" --certificate-oidc-issuer "$issuer")
    fi
    set +e
    "$STELLA" verify "$dir/bundle.sigstore.json" --trusted-root "$trust" --artifact "$artifact" \
        "${who[@]}" >/dev/null 2>"$WORK/stella.err"
    rc=$?
    set -e
    case $rc in
    0) echo "$case_name ok" >>"$WORK/stella.out" ;;
    1 | 2) echo "$case_name fail $(head -c 200 "$WORK/stella.err" | tr '\n' ' ')" >>"$WORK/stella.out" ;;
    *) echo "$case_name crash exit $rc" >>"$WORK/stella.out" ;;
    esac
done

"$PY" - "$WORK" "$KNOWN_PYTHON_DEVIATIONS" "$KNOWN_JS_DEVIATIONS" <<'PYEOF'
import sys
from pathlib import Path

work, known_py, known_js = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

def answers(name):
    out = {}
    for line in (work / name).read_text().splitlines():
        case, verdict, *_ = line.split(" ", 2) + [""]
        out[case] = verdict
    return out

def known(text):
    return {line.split(":", 1)[0].strip() for line in text.strip().splitlines() if line.strip()}

stella, python, js = answers("stella.out"), answers("python.out"), answers("js.out")
failed = 0
if not (set(stella) == set(python) == set(js)) or len(stella) < 70:
    print(f"FAIL the three verifiers saw different case lists ({len(stella)}/{len(python)}/{len(js)})")
    failed += 1
right = 0
for case in sorted(stella):
    expected = "fail" if case.endswith("_fail") else "ok"
    if stella[case] == expected:
        right += 1
    else:
        print(f"FAIL stella: {case}: {stella[case]}, expected {expected}")
        failed += 1
print(f"stella: {right}/{len(stella)} conformance cases right")
for oracle, got, listed in (("sigstore-python", python, known(known_py)), ("@sigstore/verify", js, known(known_js))):
    differ = {c for c in stella if got.get(c) != stella[c]}
    agree = len(stella) - len(differ)
    for case in sorted(differ - listed):
        print(f"FAIL {oracle} disagrees with stella on {case}: {got.get(case)} vs {stella[case]}")
        failed += 1
    for case in sorted(listed - differ):
        print(f"FAIL {oracle}: listed deviation {case} no longer deviates; update the list")
        failed += 1
    print(f"{oracle}: agrees with stella on {agree}/{len(stella)}; known deviations: {', '.join(sorted(listed & differ)) or 'none'}")
print(f"sigstore interop: {'FAILED' if failed else 'passed'} ({failed} problems)")
sys.exit(1 if failed else 0)
PYEOF
