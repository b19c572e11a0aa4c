"""Every sigstore-conformance bundle-verify case (tests/vectors/sigstore/conformance, 70 cases)
through the Python binding's ``sigstore_bundle_verify``: a case named ``*_fail`` must raise, every
other case must verify, keyless ones with the suite's identity and issuer, managed-key ones with
the case's key. The Rust API, Node and Swift (FFI) suites run the same cases."""

from __future__ import annotations

from pathlib import Path

import pytest

import stella_ops

REPO = Path(__file__).resolve().parents[3]
SUITE = REPO / "tests" / "vectors" / "sigstore" / "conformance"
CASES = sorted(p for p in (SUITE / "bundle-verify").iterdir() if p.is_dir())
DEFAULT_IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"


def _read_or(path: Path, default: str) -> str:
    return path.read_text().strip() if path.exists() else default


def verify_case(case: Path) -> stella_ops.BundleVerified:
    root = case / "trusted_root.json"
    if not root.exists():
        root = SUITE / "production.trusted_root.json"
    artifact = case / "artifact" if (case / "artifact").exists() else SUITE / "a.txt"
    options: dict[str, object] = {
        "trusted_root_json": root.read_bytes(),
        "artifact": artifact.read_bytes(),
    }
    if (case / "key.pub").exists():
        options["public_keys_pem"] = [(case / "key.pub").read_text()]
    else:
        options["certificate_identity"] = _read_or(case / "identity", DEFAULT_IDENTITY)
        options["certificate_oidc_issuer"] = _read_or(case / "issuer", DEFAULT_ISSUER)
    return stella_ops.sigstore_bundle_verify(
        (case / "bundle.sigstore.json").read_bytes(), **options  # type: ignore[arg-type]
    )


def test_the_whole_suite_is_here() -> None:
    assert len(CASES) == 70


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conformance_case(case: Path) -> None:
    if case.name.endswith("_fail"):
        with pytest.raises(stella_ops.StellaError):
            verify_case(case)
    else:
        verified = verify_case(case)
        assert verified.signing_times, "a verified bundle has a verified signing time"
        if (case / "key.pub").exists():
            assert verified.key_id and not verified.signer_identity
        else:
            assert verified.signer_identity and verified.signer_issuer
            assert not verified.key_id


def test_keyless_without_identity_policy_is_refused() -> None:
    case = SUITE / "bundle-verify" / "happy-path-v0.3"
    with pytest.raises(stella_ops.InvalidArgumentError):
        stella_ops.sigstore_bundle_verify(
            (case / "bundle.sigstore.json").read_bytes(),
            trusted_root_json=(SUITE / "production.trusted_root.json").read_bytes(),
            artifact=(SUITE / "a.txt").read_bytes(),
        )


def test_keyless_wrong_identity_does_not_verify() -> None:
    case = SUITE / "bundle-verify" / "happy-path-v0.3"
    with pytest.raises(stella_ops.VerificationError):
        stella_ops.sigstore_bundle_verify(
            (case / "bundle.sigstore.json").read_bytes(),
            trusted_root_json=(SUITE / "production.trusted_root.json").read_bytes(),
            artifact=(SUITE / "a.txt").read_bytes(),
            certificate_identity="https://github.com/someone-else/repo/.github/workflows/x.yml@refs/heads/main",
            certificate_oidc_issuer=DEFAULT_ISSUER,
        )


def test_keyless_identity_is_returned() -> None:
    verified = verify_case(SUITE / "bundle-verify" / "happy-path-v0.3")
    assert verified.signer_identity == DEFAULT_IDENTITY
    assert verified.signer_issuer == DEFAULT_ISSUER
    assert verified.key_id == ""
