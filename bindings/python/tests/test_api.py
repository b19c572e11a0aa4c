"""The Python surface beyond the shared vectors: every API function is exposed, every error
kind is reachable as its exception class, a panic inside Rust raises InternalError and the
process goes on, the GIL is released during long work, results are deterministic, and the
round trips the vectors cannot pin (P-256, generated keys, image paths, a store directory)."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Literal

import pytest

import stella_ops
from conftest import VECTORS, vector

FIXED = "2024-06-01T00:00:00Z"

# Every function of stella-bindings-api (bindings/api/src/lib.rs).
API_FUNCTIONS = [
    "canonicalize_json", "digest_of", "digest_of_hex", "generate_key", "import_private_key",
    "public_key_from_pem", "dsse_sign", "dsse_verify", "statement_build", "statement_parse",
    "sbom_from_image_path", "sbom_from_image_bytes", "db_build", "scan_image_path",
    "scan_image_bytes", "scan_sbom", "entry_trace_image_path", "entry_trace_image_bytes",
    "vex_validate", "vex_merge", "vex_apply", "vex_generate", "policy_evaluate",
    "merkle_leaf_hash", "merkle_verify_inclusion", "checkpoint_verify",
    "sigstore_bundle_verify", "run", "force_panic_for_tests",
]

ERROR_CLASSES = {
    "E_INVALID_ARGUMENT": ("invalid_argument", stella_ops.InvalidArgumentError),
    "E_PARSE": ("parse", stella_ops.ParseError),
    "E_VERIFICATION": ("verification", stella_ops.VerificationError),
    "E_POLICY": ("policy", stella_ops.PolicyError),
    "E_LIMIT": ("limit", stella_ops.LimitError),
    "E_IO": ("io", stella_ops.StellaIOError),
    "E_UNSUPPORTED": ("unsupported", stella_ops.UnsupportedError),
    "E_INTERNAL": ("internal", stella_ops.InternalError),
}


def test_every_api_function_is_exposed_and_exported() -> None:
    for name in API_FUNCTIONS:
        assert callable(getattr(stella_ops, name)), name
        assert name in stella_ops.__all__, name
    assert all(hasattr(stella_ops, n) for n in stella_ops.__all__)


def test_exception_hierarchy_has_one_class_per_kind() -> None:
    assert issubclass(stella_ops.StellaError, Exception)
    assert not issubclass(stella_ops.StellaIOError, OSError)  # does not shadow the builtin
    for code, (kind, cls) in ERROR_CLASSES.items():
        assert issubclass(cls, stella_ops.StellaError)
        assert cls.__module__ == "stella_ops"
        assert cls.code == code
        assert cls.kind == kind


def _tmp_rootfs(tmp_path: Path) -> str:
    (tmp_path / "etc").mkdir()
    return str(tmp_path)


# One call per error kind, each failing with that kind.
def _reach(tmp_path: Path) -> dict[str, Callable[[], object]]:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    return {
        "E_INVALID_ARGUMENT": lambda: stella_ops.generate_key(algorithm="rsa"),  # type: ignore[arg-type]
        "E_PARSE": lambda: stella_ops.canonicalize_json(b'{"a":1,"a":2}'),
        "E_VERIFICATION": lambda: stella_ops.dsse_verify(
            vector("dsse/envelope-tampered.json"),
            public_keys_pem=[vector("keys/ed25519-test.pub.pem").decode()],
        ),
        "E_POLICY": lambda: stella_ops.policy_evaluate(
            vector("policy/input-affected.json"),
            time=FIXED,
            bundle_files=[("bad.rego", vector("policy/bad.rego"))],
        ),
        "E_LIMIT": lambda: stella_ops.canonicalize_json(b"[" * 1000 + b"]" * 1000),
        "E_IO": lambda: stella_ops.run(store_dir=blocker),
        "E_UNSUPPORTED": lambda: stella_ops.entry_trace_image_path(_tmp_rootfs(tmp_path)),
        "E_INTERNAL": stella_ops.force_panic_for_tests,
    }


@pytest.mark.parametrize("code", list(ERROR_CLASSES))
def test_every_error_kind_is_reachable(code: str, tmp_path: Path) -> None:
    kind, cls = ERROR_CLASSES[code]
    with pytest.raises(cls) as info:
        _reach(tmp_path)[code]()
    err = info.value
    assert type(err) is cls
    assert err.code == code
    assert err.kind == kind
    assert err.message and str(err) == err.message


def test_forced_panic_raises_internal_error_and_the_process_goes_on() -> None:
    for _ in range(3):
        with pytest.raises(stella_ops.InternalError) as info:
            stella_ops.force_panic_for_tests()
        assert "forced panic" in info.value.message
    # The interpreter and the library still work after the panics.
    assert stella_ops.digest_of(b"abc").startswith("sha256:ba7816bf")
    assert stella_ops.run().allow


def test_bad_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        stella_ops.digest_of("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        stella_ops.dsse_sign(b"x", "not a list of keys")
    with pytest.raises(stella_ops.InvalidArgumentError):
        stella_ops.sbom_from_image_bytes(b"", format="xml")  # type: ignore[arg-type]
    with pytest.raises(stella_ops.InvalidArgumentError):
        stella_ops.scan_sbom(b"{}", b"", format="table")  # type: ignore[arg-type]


def test_hashing_small_and_large_inputs() -> None:
    big = bytes(range(256)) * 1024  # 256 KiB: hashed with the GIL released
    import hashlib

    assert stella_ops.digest_of(big) == "sha256:" + hashlib.sha256(big).hexdigest()
    assert stella_ops.digest_of_hex(b"") == hashlib.sha256(b"").hexdigest()
    assert stella_ops.merkle_leaf_hash(big) == hashlib.sha256(b"\0" + big).hexdigest()


# ------------------------------------------------------------------ GIL release


def test_threads_run_sbom_concurrently_with_identical_results(image_tar: bytes) -> None:
    expected = stella_ops.sbom_from_image_bytes(image_tar, timestamp=FIXED)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(stella_ops.sbom_from_image_bytes(image_tar, timestamp=FIXED))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 20
    assert all(r == expected for r in results)


def _solo_seconds(call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def _sized_call(make: Callable[[int], Callable[[], object]]) -> tuple[Callable[[], object], float]:
    """A call of `make(n)` whose solo run takes at least 0.2 s (n doubled until it does), so
    the test means the same in debug and release builds."""
    n = 64
    while True:
        call = make(n)
        seconds = _solo_seconds(call)
        if seconds >= 0.2 or n >= 1 << 20:
            return call, seconds
        n *= 2


def _largest_main_thread_gap(call: Callable[[], object]) -> float:
    """Runs `call` three times in a worker thread while the main thread notes the time in a
    loop; returns the longest time the main thread could not run Python code."""
    done = threading.Event()

    def worker() -> None:
        try:
            for _ in range(3):
                call()
        finally:
            done.set()

    ticks: list[float] = [time.perf_counter()]
    thread = threading.Thread(target=worker)
    thread.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
    thread.join()
    return max(b - a for a, b in zip(ticks, ticks[1:]))


def _osv_documents(n: int) -> list[tuple[str, bytes]]:
    base = json.loads(vector("db/osv/STELLA-TEST-PYPI-0001.json"))
    return [
        (f"{i}.json", json.dumps({**base, "id": f"STELLA-GIL-{i}"}).encode()) for i in range(n)
    ]


@pytest.mark.parametrize("what", ["db_build", "canonicalize_json"])
def test_the_gil_is_released_during_long_calls(what: str) -> None:
    """With the GIL held for a call of duration d, the main thread could not run for at least
    d (three times); released, its longest pause is the OS scheduler's, far below d/2."""
    if what == "db_build":

        def make(n: int) -> Callable[[], object]:
            docs = _osv_documents(n)
            return lambda: stella_ops.db_build(docs)

    else:

        def make(n: int) -> Callable[[], object]:
            doc = json.dumps([{f"k{i}": [1.5, "x" * 10, {"b": 1, "a": 2}]} for i in range(n * 8)])
            data = doc.encode()
            return lambda: stella_ops.canonicalize_json(data)

    call, seconds = _sized_call(make)
    gap = _largest_main_thread_gap(call)
    assert gap < seconds / 2, f"main thread paused {gap:.3f} s during calls of {seconds:.3f} s"


# ------------------------------------------------------------------ determinism


def test_same_call_twice_gives_the_same_bytes(image_tar: bytes, snapshot: bytes) -> None:
    calls: list[Callable[[], bytes]] = [
        lambda: stella_ops.sbom_from_image_bytes(image_tar, timestamp=FIXED),
        lambda: stella_ops.sbom_from_image_bytes(image_tar, format="spdx-json", timestamp=FIXED),
        lambda: stella_ops.scan_image_bytes(image_tar, snapshot, format="sarif"),
        lambda: stella_ops.entry_trace_image_bytes(image_tar),
        lambda: stella_ops.db_build(
            [(p.name, p.read_bytes()) for p in sorted((VECTORS / "db/osv").glob("*.json"))],
            date=FIXED,
        ),
        lambda: stella_ops.run().report_json,
        lambda: b"".join(a.bytes for a in stella_ops.run().artifacts),
        lambda: stella_ops.dsse_sign(b"payload", [vector("keys/ed25519-test.key.pem").decode()]),
    ]
    for make in calls:
        assert make() == make()


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("algorithm", ["ecdsa-p256", "ed25519"])
def test_generated_key_signs_and_verifies(algorithm: Literal["ecdsa-p256", "ed25519"]) -> None:
    key = stella_ops.generate_key(algorithm=algorithm)
    assert key.algorithm == algorithm
    assert key.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert "PRIVATE" not in repr(key) and "redacted" in repr(key)
    assert stella_ops.import_private_key(key.private_pem).key_id == key.key_id
    assert stella_ops.public_key_from_pem(key.public_pem).key_id == key.key_id
    statement = stella_ops.statement_build(
        subjects=[("app", stella_ops.digest_of(b"app"))],
        predicate_type="https://example.com/predicate/v1",
        predicate_json=b'{"ok": true}',
    )
    envelope = stella_ops.dsse_sign(statement, [key.private_pem])
    verified = stella_ops.dsse_verify(envelope, public_keys_pem=[key.public_pem])
    assert verified.payload == statement
    assert verified.key_ids == [key.key_id]
    info = stella_ops.statement_parse(verified.payload)
    assert [(s.name, s.digest) for s in info.subjects] == [("app", stella_ops.digest_of(b"app"))]
    assert info.predicate_json == b'{"ok":true}'
    other = stella_ops.generate_key(algorithm=algorithm)
    with pytest.raises(stella_ops.VerificationError):
        stella_ops.dsse_verify(envelope, public_keys_pem=[other.public_pem])
    with pytest.raises(stella_ops.VerificationError):
        stella_ops.dsse_verify(
            envelope, public_keys_pem=[key.public_pem, other.public_pem], threshold=2
        )


def test_image_paths_give_the_bytes_results(image_tar: bytes, snapshot: bytes) -> None:
    path = VECTORS / "image" / "image.tar"
    name = "registry.example/app"
    assert stella_ops.sbom_from_image_path(path, timestamp=FIXED, name=name) == vector(
        "image/sbom.cdx.json"
    )
    assert stella_ops.sbom_from_image_path(
        f"oci-archive:{path}", format="spdx-json", timestamp=FIXED, name=name
    ) == vector("image/sbom.spdx.json")
    assert stella_ops.scan_image_path(str(path), snapshot, name=name) == vector(
        "scan/findings.json"
    )
    assert stella_ops.entry_trace_image_path(path) == vector("scan/entry-trace.json")


def test_run_keeps_everything_in_a_store_directory(tmp_path: Path) -> None:
    result = stella_ops.run(store_dir=tmp_path / "store")
    assert result.allow
    kinds = [a.kind for a in result.artifacts]
    assert "decision-attestation" in kinds and "sbom-cyclonedx" in kinds
    for a in result.artifacts:
        assert stella_ops.digest_of(a.bytes) == a.digest
        blob = tmp_path / "store" / "blobs" / "sha256" / a.digest.removeprefix("sha256:")
        assert blob.read_bytes() == a.bytes
    report = json.loads(result.report_json)
    assert isinstance(report, dict)


def test_input_records_and_tuples_are_the_same(image_tar: bytes) -> None:
    docs = sorted((VECTORS / "db/osv").glob("*.json"))
    as_records = stella_ops.db_build(
        [stella_ops.NamedBytes(p.name, p.read_bytes()) for p in docs], date=FIXED
    )
    as_tuples = stella_ops.db_build([(p.name, p.read_bytes()) for p in docs], date=FIXED)
    assert as_records == as_tuples == vector("db/snapshot.db")
    key = stella_ops.NoteKey("stella.test/conformance-log", vector("keys/ed25519-test.pub.pem").decode())
    note = vector("merkle/checkpoint.txt")
    a = stella_ops.checkpoint_verify(note, trusted_keys=[key])
    b = stella_ops.checkpoint_verify(note, trusted_keys=[(key.name, key.public_pem)])
    assert (a.origin, a.size, a.root_hash, a.signers) == (b.origin, b.size, b.root_hash, b.signers)
    assert a.signers == ["stella.test/conformance-log"]
    assert "NoteKey(name='stella.test/conformance-log'" in repr(key)


def test_vex_and_policy_records(image_tar: bytes) -> None:
    docs = [vector("vex/vendor.openvex.json"), vector("vex/team.openvex.json")]
    merged = stella_ops.vex_merge(docs, now=FIXED, allow_unsigned=True)
    assert merged.document.startswith(b"{")
    assert json.loads(merged.decisions_json)
    validation = stella_ops.vex_validate(docs[1], now=FIXED)
    assert validation.statements >= 1
    decision = stella_ops.policy_evaluate(vector("policy/input-affected.json"), time=FIXED)
    assert decision.allow is False
    allowed = stella_ops.policy_evaluate(vector("policy/input-not-affected.json"), time=FIXED)
    assert allowed.allow is True and allowed.violations == []
    assert json.loads(allowed.record)["result"]["allow"] is True
    generated = stella_ops.vex_generate(vector("scan/findings.json"), now=FIXED)
    assert stella_ops.vex_validate(generated, now=FIXED).statements >= 1


def test_sigstore_bundle_errors_are_typed() -> None:
    key = stella_ops.generate_key()
    with pytest.raises(stella_ops.InvalidArgumentError):
        stella_ops.sigstore_bundle_verify(b"{}")
    with pytest.raises(stella_ops.ParseError):
        stella_ops.sigstore_bundle_verify(
            b"{}", public_keys_pem=[key.public_pem], rekor_keys_pem=[key.public_pem]
        )
