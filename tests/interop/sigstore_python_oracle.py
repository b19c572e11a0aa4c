"""Differential oracle: sigstore-python verifies sigstore-conformance bundle-verify cases.

Usage: sigstore_python_oracle.py CASES_DIR DEFAULT_TRUSTED_ROOT [CASE]

Prints one line per case (every case, or only CASE): `<case> ok|fail|skip <reason>`; the caller
(tests/interop/sigstore.sh) compares it with Stella's answer and the case's expectation (a name
ending in `_fail` must fail). benches/compare-sigstore.sh times it on one case.
"""
import hashlib
import json
import sys
from pathlib import Path

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy

DEFAULT_IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"


def verify_case(case: Path, root: Path, default_trust: Path) -> str:
    trust = case / "trusted_root.json"
    if not trust.exists():
        trust = default_trust
    if (case / "key.pub").exists():
        return "unsupported (sigstore-python verifies certificate identities only)"
    identity = (case / "identity").read_text().strip() if (case / "identity").exists() else DEFAULT_IDENTITY
    issuer = (case / "issuer").read_text().strip() if (case / "issuer").exists() else DEFAULT_ISSUER
    bundle = Bundle.from_json((case / "bundle.sigstore.json").read_bytes())
    verifier = Verifier(trusted_root=TrustedRoot.from_file(str(trust)))
    pol = policy.Identity(identity=identity, issuer=issuer)
    if bundle._dsse_envelope is not None:
        verifier.verify_dsse(bundle, pol)
        # The conformance client then checks the subject against the artifact.
        artifact = (case / "artifact") if (case / "artifact").exists() else root / "a.txt"
        digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
        stmt = json.loads(bundle._dsse_envelope._inner.payload)
        if not any(s.get("digest", {}).get("sha256") == digest for s in stmt.get("subject", [])):
            raise ValueError("artifact is not a subject of the statement")
    else:
        artifact = (case / "artifact") if (case / "artifact").exists() else root / "a.txt"
        verifier.verify_artifact(artifact.read_bytes(), bundle, pol)
    return "ok"


def main() -> None:
    root, default_trust = Path(sys.argv[1]), Path(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else None
    for case in sorted((root / "bundle-verify").iterdir()):
        if not case.is_dir() or (only is not None and case.name != only):
            continue
        try:
            result = verify_case(case, root, default_trust)
            if result == "ok":
                print(f"{case.name} ok")
            else:
                print(f"{case.name} skip {result}")
        except Exception as e:  # noqa: BLE001 - every failure is an answer
            print(f"{case.name} fail {type(e).__name__}: {str(e)[:120]!r}")


main()
