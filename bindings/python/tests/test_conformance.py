"""Runs every case of the shared conformance vectors (tests/vectors/conformance/cases.json,
format in its README) through the Python binding and asserts byte equality with the expected
files, or the expected error code. The Rust runner is bindings/api/tests/conformance.rs."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

import stella_ops
from conftest import VECTORS, vector

CASES: list[dict[str, Any]] = json.loads((VECTORS / "cases.json").read_text("utf-8"))

# The positional parameters of each op (README "Positional order"), with how each is encoded.
BYTES, TEXT, TEXT_LIST, BYTES_LIST, NAMED_LIST = "bytes", "text", "text[]", "bytes[]", "named[]"
POSITIONAL: dict[str, list[tuple[str, str]]] = {
    "canonicalize_json": [("json", BYTES)],
    "digest_of": [("bytes", BYTES)],
    "digest_of_hex": [("bytes", BYTES)],
    "merkle_leaf_hash": [("data", BYTES)],
    "import_private_key": [("pem", TEXT)],
    "public_key_from_pem": [("pem", TEXT)],
    "dsse_sign": [("payload", BYTES), ("private_keys_pem", TEXT_LIST)],
    "dsse_verify": [("envelope", BYTES)],
    "statement_build": [],
    "statement_parse": [("bytes", BYTES)],
    "sbom_from_image_bytes": [("archive", BYTES)],
    "db_build": [("documents", NAMED_LIST)],
    "scan_image_bytes": [("archive", BYTES), ("snapshot", BYTES)],
    "scan_sbom": [("sbom", BYTES), ("snapshot", BYTES)],
    "entry_trace_image_bytes": [("archive", BYTES)],
    "vex_validate": [("document", BYTES)],
    "vex_merge": [("documents", BYTES_LIST)],
    "vex_apply": [("findings", BYTES), ("documents", BYTES_LIST)],
    "vex_generate": [("findings", BYTES)],
    "policy_evaluate": [("input_json", BYTES)],
    "merkle_verify_inclusion": [("leaf_data", BYTES), ("proof_json", BYTES)],
    "checkpoint_verify": [("note", BYTES)],
    "run": [],
    "force_panic_for_tests": [],
}

# Option fields that are bytes (every other string option is text).
BYTES_OPTIONS = {"predicate_json", "trusted_root_json", "artifact", "snapshot"}


def as_bytes(v: Any) -> bytes:
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, dict) and set(v) == {"file"}:
        return vector(v["file"])
    raise AssertionError(f"not a bytes argument: {v!r}")


def as_text(v: Any) -> str:
    return as_bytes(v).decode("utf-8")


def convert(v: Any, kind: str) -> Any:
    if kind == BYTES:
        return as_bytes(v)
    if kind == TEXT:
        return as_text(v)
    if kind == TEXT_LIST:
        return [as_text(x) for x in v]
    if kind == BYTES_LIST:
        return [as_bytes(x) for x in v]
    if kind == NAMED_LIST:
        return [stella_ops.NamedBytes(x["name"], as_bytes(x["bytes"])) for x in v]
    raise AssertionError(kind)


def option(key: str, v: Any) -> Any:
    """One keyword argument from the case's options."""
    if isinstance(v, (bool, int)):
        return v
    if key == "subjects":
        return [stella_ops.StatementSubject(s["name"], s["digest"]) for s in v]
    if key == "trusted_keys":
        return [stella_ops.NoteKey(k["name"], as_text(k["public_pem"])) for k in v]
    if key in ("bundle_files", "documents"):
        return convert(v, NAMED_LIST)
    if key == "vex":
        return convert(v, BYTES_LIST)
    if isinstance(v, list):
        return convert(v, TEXT_LIST)
    return as_bytes(v) if key in BYTES_OPTIONS else as_text(v)


def field_bytes(value: Any) -> bytes:
    """A record field as the README's "Output bytes" says."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (list, tuple)):
        items = [
            f"{x.name} {x.digest}" if isinstance(x, stella_ops.StatementSubject) else str(x)
            for x in value
        ]
        return "\n".join(items).encode("utf-8")
    raise AssertionError(f"unexpected field type {type(value)}")


def call(case: dict[str, Any]) -> Any:
    op = case["op"]
    args = case["args"]
    fn: Callable[..., Any] = getattr(stella_ops, op)
    positional = [convert(args[name], kind) for name, kind in POSITIONAL[op]]
    known = {name for name, _ in POSITIONAL[op]} | {"options"}
    assert set(args) <= known, f"{case['name']}: unknown arguments {set(args) - known}"
    keywords = {k: option(k, v) for k, v in args.get("options", {}).items()}
    return fn(*positional, **keywords)


def output(case: dict[str, Any], result: Any) -> bytes:
    field = case.get("field")
    if field is None:
        if isinstance(result, str):
            return result.encode("utf-8")
        assert isinstance(result, bytes), f"{case['name']}: a record needs a field"
        return result
    return field_bytes(getattr(result, field))


def test_the_manifest_has_the_cases_and_the_runner_knows_every_op() -> None:
    assert len(CASES) >= 40
    assert len({c["name"] for c in CASES}) == len(CASES)
    assert {c["op"] for c in CASES} <= set(POSITIONAL)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conformance_case(case: dict[str, Any]) -> None:
    code = case.get("expect_error")
    if code is not None:
        with pytest.raises(stella_ops.StellaError) as info:
            call(case)
        assert info.value.code == code, f"{case['name']}: {info.value!r}"
        return
    got = output(case, call(case))
    expected = vector(case["expected"])
    assert got == expected, f"{case['name']}: output differs from {case['expected']}"
