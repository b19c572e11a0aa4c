"""A small typed program over stella_ops, checked with `mypy --strict` by test.sh (so the stubs
type real use) and run by test_typed_usage.py (so it is real use)."""

from __future__ import annotations

from pathlib import Path

import stella_ops
from stella_ops import KeyPair, PolicyDecision, RunResult, StellaError, VerifiedEnvelope


def sign_and_verify(payload: bytes) -> VerifiedEnvelope:
    key: KeyPair = stella_ops.generate_key(algorithm="ed25519")
    statement: bytes = stella_ops.statement_build(
        subjects=[stella_ops.StatementSubject("app", stella_ops.digest_of(payload))],
        predicate_type="https://example.com/predicate/v1",
        predicate_json=b'{"ok":true}',
    )
    envelope: bytes = stella_ops.dsse_sign(statement, [key.private_pem])
    return stella_ops.dsse_verify(envelope, public_keys_pem=[key.public_pem], threshold=1)


def scan(vectors: Path) -> tuple[bytes, bytes]:
    image = vectors / "image" / "image.tar"
    snapshot = stella_ops.db_build(
        [(p.name, p.read_bytes()) for p in sorted((vectors / "db" / "osv").glob("*.json"))],
        date="2024-06-01T00:00:00Z",
    )
    sbom: bytes = stella_ops.sbom_from_image_path(image, format="spdx-json")
    sarif: bytes = stella_ops.scan_image_bytes(image.read_bytes(), snapshot, format="sarif")
    return sbom, sarif


def gate(input_json: bytes) -> PolicyDecision:
    return stella_ops.policy_evaluate(input_json, time="2024-06-01T00:00:00Z", max_instructions=0)


def pipeline() -> list[str]:
    result: RunResult = stella_ops.run()
    return [f"{a.kind} {a.digest} {len(a.bytes)}" for a in result.artifacts]


def error_code(document: bytes) -> str | None:
    try:
        stella_ops.canonicalize_json(document)
    except StellaError as e:
        return e.code
    return None


def main(vectors: Path) -> None:
    verified = sign_and_verify(b"app")
    assert stella_ops.statement_parse(verified.payload).subjects[0].name == "app"
    sbom, sarif = scan(vectors)
    assert sbom and sarif
    decision = gate((vectors / "policy" / "input-not-affected.json").read_bytes())
    assert decision.allow
    assert len(pipeline()) > 0
    assert error_code(b"{") == "E_PARSE"
    assert error_code(b"{}") is None
