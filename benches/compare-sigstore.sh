#!/usr/bin/env bash
# compare-sigstore.sh -- keyless Sigstore bundle verification: `stella verify` vs sigstore-python
# (PyPI `sigstore`) vs sigstore-js (npm `@sigstore/verify`), each as a whole process, in one run.
#
# What it does (not run in CI; needs PyPI and the npm registry once):
#   1. sets up the oracles exactly as tests/interop/sigstore.sh does (same pinned versions, same
#      venv and node_modules) and builds `target/release/stella` unless STELLA=path is set;
#   2. for each CASE (default: happy-path-v0.3, a Fulcio-certificate bundle with a Rekor v1 entry,
#      and rekor2-timestamp-with-embedded-cert, a Rekor v2 bundle with an RFC 3161 timestamp),
#      runs the three verifiers RUNS times (default 20) round-robin, so each sees the same
#      machine load, and checks every run verified;
#   3. prints per verifier the median and minimum wall time and the ratio to Stella's median.
#
# The in-process cost (target <= 1 ms) is the criterion bench:
#   cargo bench -p stella-benches --bench keyless
#
# Usage: benches/compare-sigstore.sh      Env: RUNS, CASES="a b", STELLA=/path/to/stella.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
RUNS="${RUNS:-20}"
CASE_LIST="${CASES:-happy-path-v0.3 rekor2-timestamp-with-embedded-cert}"
VECTORS=tests/vectors/sigstore/conformance
DEFAULT_TRUST=tests/vectors/sigstore/conformance/production.trusted_root.json
VENV="${HOME}/.cache/stella-ops/venv-sigstore"
SIGSTORE_PYTHON_VERSION="$(sed -n 's/^SIGSTORE_PYTHON_VERSION=//p' tests/interop/sigstore.sh)"

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('sigstore') != '$SIGSTORE_PYTHON_VERSION')" 2>/dev/null ||
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "sigstore==$SIGSTORE_PYTHON_VERSION"
(cd tests/interop/sigstore-js && npm ci --silent --no-audit --no-fund >/dev/null)
if [ -z "${STELLA:-}" ]; then
    cargo build --quiet --release --locked -p stella-cli
    STELLA="${CARGO_TARGET_DIR:-target}/release/stella"
fi

"$VENV/bin/python" - "$STELLA" "$VENV/bin/python" "$RUNS" "$VECTORS" "$DEFAULT_TRUST" $CASE_LIST <<'PYEOF'
import statistics, subprocess, sys, time
from pathlib import Path

stella, python, runs, vectors, default_trust, *cases = sys.argv[1:]
runs = int(runs)
identity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
issuer = "https://token.actions.githubusercontent.com"
for case in cases:
    d = Path(vectors) / "bundle-verify" / case
    trust = str(d / "trusted_root.json") if (d / "trusted_root.json").exists() else default_trust
    artifact = str(d / "artifact") if (d / "artifact").exists() else str(Path(vectors) / "a.txt")
    if (d / "identity").exists():
        identity = (d / "identity").read_text().strip()
    if (d / "issuer").exists():
        issuer = (d / "issuer").read_text().strip()
    commands = {
        "stella verify": [stella, "verify", str(d / "bundle.sigstore.json"), "--trusted-root", trust,
                          "--artifact", artifact, "--certificate-identity", identity,
                          "--certificate-oidc-issuer", issuer],
        "sigstore-python": [python, "tests/interop/sigstore_python_oracle.py", vectors, default_trust, case],
        "@sigstore/verify": ["node", "tests/interop/sigstore-js/oracle.mjs", vectors, default_trust, case],
    }
    times = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True)
            times[name].append(time.perf_counter() - start)
            ok = out.returncode == 0 and (name == "stella verify" or out.stdout.split()[1:2] == ["ok"])
            if not ok:
                sys.exit(f"{name} did not verify {case}: {out.stdout}{out.stderr}")
    base = statistics.median(times["stella verify"])
    print(f"\n{case} ({runs} runs each, round-robin)")
    print(f"{'verifier':<18} {'median ms':>10} {'min ms':>8} {'x stella':>9}")
    for name, t in times.items():
        m = statistics.median(t)
        print(f"{name:<18} {m * 1000:>10.1f} {min(t) * 1000:>8.1f} {m / base:>9.1f}")
PYEOF
