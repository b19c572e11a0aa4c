"""Exercises the FFI of the Swift binding (stella-ops-swift) through the Python module uniffi
generates from the same library: the same scaffolding, the same lowering/lifting of every record,
enum and error that the generated Swift calls.

Usage: python3 test_ffi.py GENERATED_PY_DIR REPO_ROOT

GENERATED_PY_DIR holds stella_ops_swift.py and libstella_ops_swift.so (see test.sh). Runs every
case of tests/vectors/conformance/cases.json with byte equality, then calls every function of the
API surface (the `pub fn`s of bindings/api/src/lib.rs and host.rs) at least once, errors included,
and fails if one was never called. The host functions are called with hosts written in Python
(subclasses of the generated HostBlobStore / HostImageSource): uniffi registers their ctypes
callback vtables with the library, the same C vtables (StellaOpsFFI.h) the Swift protocols
register. Prints 'N passed, N failed'; exits non-zero on any failure.
"""

import enum
import json
import os
import re
import sys
import tarfile
import tempfile
import traceback
import typing

sys.path.insert(0, sys.argv[1])
ROOT = sys.argv[2]
VECTORS = os.path.join(ROOT, "tests", "vectors", "conformance")

import stella_ops_swift as s  # noqa: E402

CALLED = set()


def api_functions():
    """The API surface: every `pub fn` of bindings/api/src/lib.rs and host.rs."""
    names = set()
    for source in ("lib.rs", "host.rs"):
        with open(os.path.join(ROOT, "bindings", "api", "src", source), encoding="utf-8") as f:
            names.update(re.findall(r"^pub fn (\w+)", f.read(), re.M))
    return sorted(names)


def call(name, *args, **kwargs):
    """Calls the generated function `name`, recording that it was called."""
    CALLED.add(name)
    return getattr(s, name)(*args, **kwargs)


# ------------------------------------------------------------------ conformance vectors

ENUMS = {
    "cyclonedx-json": s.SbomFormat.CYCLONE_DX_JSON,
    "spdx-json": s.SbomFormat.SPDX_JSON,
    "json": s.ScanFormat.JSON,
    "sarif": s.ScanFormat.SARIF,
}
ALGORITHMS = {s.KeyAlgorithm.ECDSA_P256: "ecdsa-p256", s.KeyAlgorithm.ED25519: "ed25519"}


def read(rel):
    with open(os.path.join(VECTORS, rel), "rb") as f:
        return f.read()


def record_class(hint):
    """The record class of an annotation: the class, or the class in Union[object, Class]."""
    if isinstance(hint, type):
        return hint
    for arg in typing.get_args(hint):
        if isinstance(arg, type) and arg is not object:
            return arg
    raise TypeError(f"no class in {hint}")


def decode(value, hint):
    """Decodes a cases.json argument (README "Argument encoding") to the type `hint` the
    generated function or record field declares."""
    if typing.get_origin(hint) is list:
        (inner,) = typing.get_args(hint)
        return [decode(v, inner) for v in value]
    if hint is bytes:
        return read(value["file"]) if isinstance(value, dict) else value.encode("utf-8")
    if hint is str:
        return read(value["file"]).decode("utf-8") if isinstance(value, dict) else value
    if hint is bool or hint is int:
        return value
    cls = record_class(hint)
    if issubclass(cls, enum.Enum):
        return ENUMS[value]
    return build(cls, value)


def build(cls, fields):
    """A record from a JSON object of its fields; missing fields keep their defaults, except
    enum fields (no default in the binding), which take the API's default."""
    hints = typing.get_type_hints(cls.__init__, vars(s))
    kwargs = {k: decode(v, hints[k]) for k, v in fields.items()}
    for k, h in hints.items():
        if k not in kwargs and isinstance(h, type) and issubclass(h, enum.Enum):
            kwargs[k] = list(h)[0]  # the first variant is the API's #[default]
    return cls(**kwargs)


def to_bytes(value, field):
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, s.KeyAlgorithm):
        return ALGORITHMS[value].encode()
    if isinstance(value, list):
        if field == "subjects":
            return "\n".join(f"{x.name} {x.digest}" for x in value).encode("utf-8")
        return "\n".join(value).encode("utf-8")
    raise TypeError(f"cannot compare field {field} of type {type(value)}")


def run_case(case):
    fn = getattr(s, case["op"])
    hints = typing.get_type_hints(fn, vars(s))
    kwargs = {k: decode(v, hints[k]) for k, v in case["args"].items()}
    try:
        result = call(case["op"], **kwargs)
    except s.StellaError as e:
        if "expect_error" in case:
            assert e.code() == case["expect_error"], f"{e.code()} != {case['expect_error']}: {e}"
            return
        raise
    assert "expect_error" not in case, f"expected {case['expect_error']}, got a result"
    field = case.get("field")
    out = to_bytes(getattr(result, field) if field else result, field)
    expected = read(case["expected"])
    assert out == expected, f"output differs from {case['expected']} ({len(out)} vs {len(expected)} bytes)"


# ------------------------------------------------------------------ direct tests

def expect_error(kind, code, fn, *args, **kwargs):
    """Calls `fn` and asserts it raises StellaError.<kind> with `code` and a message."""
    try:
        call(fn, *args, **kwargs)
    except s.StellaError as e:
        assert type(e) is getattr(s.StellaError, kind), f"{type(e).__name__} != {kind}: {e}"
        assert e.code() == code, e.code()
        assert e.message, "empty message"
        return e
    raise AssertionError(f"{fn} did not fail")


def test_error_enum():
    cases = ["InvalidArgument", "Parse", "Verification", "Policy", "Limit", "Io", "Unsupported", "Internal"]
    for case in cases:
        cls = getattr(s.StellaError, case)
        assert issubclass(cls, s.StellaError)


def test_force_panic_is_internal():
    e = expect_error("Internal", "E_INTERNAL", "force_panic_for_tests")
    assert "forced panic" in e.message, e.message
    # the process is alive and the library still answers
    assert call("digest_of", b"") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_digests():
    assert call("digest_of_hex", b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    # RFC 9162 leaf hash: SHA-256(0x00 || data); of the empty leaf:
    assert call("merkle_leaf_hash", b"") == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def test_parse_errors():
    expect_error("Parse", "E_PARSE", "canonicalize_json", b"{")
    expect_error("Parse", "E_PARSE", "canonicalize_json", b'{"a":1,"a":2}')
    expect_error("Parse", "E_PARSE", "statement_parse", b"[]")


def test_generated_keys_sign_and_verify():
    statement = call("statement_build", s.StatementOptions(
        subjects=[s.StatementSubject(name="app", digest=call("digest_of", b"app"))],
        predicate_type="https://example.com/predicate/v1",
        predicate_json=b'{"ok": true}',
    ))
    for algorithm in (s.KeyAlgorithm.ECDSA_P256, s.KeyAlgorithm.ED25519):
        key = call("generate_key", s.GenerateKeyOptions(algorithm=algorithm))
        assert key.algorithm == algorithm
        assert key.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
        assert call("import_private_key", key.private_pem).key_id == key.key_id
        assert call("public_key_from_pem", key.public_pem).key_id == key.key_id
        envelope = call("dsse_sign", statement, [key.private_pem])  # default options
        verified = call("dsse_verify", envelope, s.DsseVerifyOptions(public_keys_pem=[key.public_pem]))
        assert verified.payload == statement and verified.key_ids == [key.key_id]
        info = call("statement_parse", verified.payload)
        assert [x.name for x in info.subjects] == ["app"] and info.predicate_json == b'{"ok":true}'
        other = call("generate_key", s.GenerateKeyOptions(algorithm=algorithm))
        expect_error("Verification", "E_VERIFICATION", "dsse_verify", envelope,
                     s.DsseVerifyOptions(public_keys_pem=[other.public_pem]))
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "dsse_verify", b"{}", s.DsseVerifyOptions())
    expect_error("Parse", "E_PARSE", "import_private_key", "not a pem")


def test_image_paths_match_bytes():
    """The path variants read the same image from a file and give the vectors' bytes."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "image.tar")
        with open(path, "wb") as f:
            f.write(read("image/image.tar"))
        name = "registry.example/app"
        sbom = call("sbom_from_image_path", path, s.SbomOptions(
            format=s.SbomFormat.CYCLONE_DX_JSON, name=name, timestamp="2024-06-01T00:00:00Z"))
        assert sbom == read("image/sbom.cdx.json")
        findings = call("scan_image_path", path, read("db/snapshot.db"),
                        s.ScanOptions(format=s.ScanFormat.JSON, name=name))
        assert findings == read("scan/findings.json")
        assert call("entry_trace_image_path", path) == read("scan/entry-trace.json")
        # a root filesystem directory has no image config, so no entrypoint to trace
        rootfs = os.path.join(d, "rootfs")
        os.makedirs(os.path.join(rootfs, "etc"))
        expect_error("Unsupported", "E_UNSUPPORTED", "entry_trace_image_path", "dir:" + rootfs)
    expect_error("Io", "E_IO", "sbom_from_image_path", os.path.join(VECTORS, "no-such-image.tar"),
                 s.SbomOptions(format=s.SbomFormat.SPDX_JSON))


def test_policy_limit_and_deny():
    decision = call("policy_evaluate", read("policy/input-affected.json"),
                    s.PolicyOptions(time="2024-06-01T00:00:00Z"))
    assert decision.allow is False
    assert decision.record == read("policy/decision-deny.json").replace(b'"actor":"conformance"', b'"actor":"stella-bindings"')
    expect_error("Limit", "E_LIMIT", "policy_evaluate", read("policy/input-affected.json"),
                 s.PolicyOptions(time="2024-06-01T00:00:00Z", max_instructions=1))


def test_merkle_tampered_proof():
    proof = json.loads(read("merkle/proof-3-of-7.json"))
    proof["hashes"][0] = "00" * 32
    expect_error("Verification", "E_VERIFICATION", "merkle_verify_inclusion",
                 read("merkle/leaf-3.txt"), json.dumps(proof).encode())
    expect_error("Parse", "E_PARSE", "merkle_verify_inclusion", read("merkle/leaf-3.txt"), b"{")


def test_sigstore_bundle_verify():
    sig = os.path.join(ROOT, "tests", "vectors", "sigstore")
    with open(os.path.join(sig, "new_bundle.txt.sigstore.json"), "rb") as f:
        bundle = f.read()
    with open(os.path.join(sig, "conformance", "production.trusted_root.json"), "rb") as f:
        trusted_root = f.read()
    with open(os.path.join(sig, "new_bundle.txt"), "rb") as f:
        artifact = f.read()
    key = read("keys/ed25519-test.pub.pem").decode()
    # a keyless (Fulcio) bundle verified with a key: the material does not fit the policy
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "sigstore_bundle_verify", bundle, s.BundleVerifyOptions(
        public_keys_pem=[key], trusted_root_json=trusted_root, artifact=artifact))
    # keyless without an identity policy, or with half of one: refused, never a pass
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "sigstore_bundle_verify", bundle, s.BundleVerifyOptions(
        trusted_root_json=trusted_root, artifact=artifact))
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "sigstore_bundle_verify", bundle, s.BundleVerifyOptions(
        trusted_root_json=trusted_root, artifact=artifact, certificate_identity="x"))
    expect_error("Parse", "E_PARSE", "sigstore_bundle_verify", b"{}", s.BundleVerifyOptions(
        public_keys_pem=[key], trusted_root_json=trusted_root))
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "sigstore_bundle_verify", bundle,
                 s.BundleVerifyOptions())


SIGSTORE_SUITE = os.path.join(ROOT, "tests", "vectors", "sigstore", "conformance")
SIGSTORE_IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
SIGSTORE_ISSUER = "https://token.actions.githubusercontent.com"


def sigstore_case(name):
    """Verifies one sigstore-conformance bundle-verify case through the FFI."""
    d = os.path.join(SIGSTORE_SUITE, "bundle-verify", name)

    def read_file(path):
        with open(path, "rb") as f:
            return f.read()

    has = lambda f: os.path.exists(os.path.join(d, f))  # noqa: E731
    artifact = read_file(os.path.join(d, "artifact") if has("artifact") else os.path.join(SIGSTORE_SUITE, "a.txt"))
    root = read_file(os.path.join(d, "trusted_root.json") if has("trusted_root.json")
                     else os.path.join(SIGSTORE_SUITE, "production.trusted_root.json"))
    if has("key.pub"):
        options = s.BundleVerifyOptions(public_keys_pem=[read_file(os.path.join(d, "key.pub")).decode()],
                                        trusted_root_json=root, artifact=artifact,
                                        certificate_identity="", certificate_oidc_issuer="")
    else:
        options = s.BundleVerifyOptions(
            trusted_root_json=root, artifact=artifact,
            certificate_identity=read_file(os.path.join(d, "identity")).decode().strip() if has("identity") else SIGSTORE_IDENTITY,
            certificate_oidc_issuer=read_file(os.path.join(d, "issuer")).decode().strip() if has("issuer") else SIGSTORE_ISSUER)
    return s.sigstore_bundle_verify(read_file(os.path.join(d, "bundle.sigstore.json")), options)


def test_sigstore_conformance_suite():
    """Every sigstore-conformance bundle-verify case: `*_fail` throws, the others verify."""
    cases = sorted(n for n in os.listdir(os.path.join(SIGSTORE_SUITE, "bundle-verify"))
                   if os.path.isdir(os.path.join(SIGSTORE_SUITE, "bundle-verify", n)))
    assert len(cases) == 70, len(cases)
    wrong = []
    for name in cases:
        try:
            v = sigstore_case(name)
            ok = bool(v.signing_times) and (bool(v.key_id) if name.startswith("managed-key") else bool(v.signer_identity))
        except s.StellaError:
            ok = False
        if ok == name.endswith("_fail"):
            wrong.append(name)
    assert not wrong, f"wrong answers: {wrong}"


def test_run_with_store():
    with tempfile.TemporaryDirectory() as d:
        result = call("run", s.RunOptions(store_dir=d))
        assert result.allow is True
        assert call("canonicalize_json", result.report_json) == result.report_json
        kinds = [a.kind for a in result.artifacts]
        assert "decision-attestation" in kinds, kinds
        for a in result.artifacts:
            assert call("digest_of", a.bytes) == a.digest
        assert os.listdir(d), "the store directory is empty"
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "run", s.RunOptions(image_path="image.tar"))


# ------------------------------------------------------------------ host content (foreign traits)

OCI_INDEX = "application/vnd.oci.image.index.v1+json"


class ImageHost(s.HostImageSource):
    """Serves the conformance image from its OCI archive, at most `chunk` bytes per call, as a
    Swift app would serve one from its own storage."""

    def __init__(self, chunk=100, tamper=(), fail=None):
        with tarfile.open(os.path.join(VECTORS, "image", "image.tar")) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        self.index = members["index.json"]
        self.root_digest = call("digest_of", self.index)
        self.blobs = {"sha256:" + name.rsplit("/", 1)[1]: data
                      for name, data in members.items() if name.startswith("blobs/sha256/")}
        self.blobs[self.root_digest] = self.index
        self.chunk, self.tamper, self.fail, self.calls = chunk, tamper, fail, 0

    def root(self):
        if self.fail:
            raise self.fail
        return s.HostDescriptor(media_type=OCI_INDEX, digest=self.root_digest, size=len(self.index))

    def read_blob(self, digest, offset, length):
        self.calls += 1
        if self.fail:
            raise self.fail
        if digest not in self.blobs:
            raise s.HostError.NotFound(digest)
        blob = self.blobs[digest]
        if digest in self.tamper or "*" in self.tamper:
            blob = blob + b" "
        return blob[offset:offset + min(length, self.chunk)]


class StoreHost(s.HostBlobStore):
    """A content-addressed store kept in a dict."""

    def __init__(self, fail=None):
        self.blobs, self.fail = {}, fail

    def put(self, digest, data):
        if self.fail:
            raise self.fail
        self.blobs.setdefault(digest, data)

    def get(self, digest):
        if digest not in self.blobs:
            raise s.HostError.NotFound(digest)
        return self.blobs[digest]

    def contains(self, digest):
        return digest in self.blobs


def host_sbom_options():
    return s.SbomOptions(format=s.SbomFormat.CYCLONE_DX_JSON, name="registry.example/app",
                         timestamp="2024-06-01T00:00:00Z")


def test_host_image_gives_the_vectors_bytes():
    host = ImageHost(chunk=100)
    assert call("sbom_from_host_image", host, host_sbom_options()) == read("image/sbom.cdx.json")
    assert host.calls > len(host.blobs), "the blobs were not read in chunks"
    findings = call("scan_host_image", ImageHost(), read("db/snapshot.db"),
                    s.ScanOptions(format=s.ScanFormat.JSON, name="registry.example/app"))
    assert findings == read("scan/findings.json")
    assert call("entry_trace_host_image", ImageHost()) == read("scan/entry-trace.json")


def test_host_image_lies_and_failures_are_typed_errors():
    # other bytes than the digest asked for: refused in Rust
    expect_error("Verification", "E_VERIFICATION", "sbom_from_host_image",
                 ImageHost(tamper=("*",)), host_sbom_options())
    # the host's own errors map to their kinds
    e = expect_error("Io", "E_IO", "sbom_from_host_image",
                     ImageHost(fail=s.HostError.Io("disk unplugged")), host_sbom_options())
    assert "disk unplugged" in e.message, e.message
    # any other exception the host raises is an unexpected callback error: Internal, process alive
    e = expect_error("Internal", "E_INTERNAL", "sbom_from_host_image",
                     ImageHost(fail=RuntimeError("host bug")), host_sbom_options())
    assert "host bug" in e.message, e.message
    host = ImageHost()
    del host.blobs[next(d for d in host.blobs if d != host.root_digest)]
    expect_error("InvalidArgument", "E_INVALID_ARGUMENT", "sbom_from_host_image", host,
                 host_sbom_options())
    assert call("digest_of", b"") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_run_into_host_store():
    store = StoreHost()
    result = call("run_into_host_store", store)  # default options: the demo
    assert result.allow is True
    assert result.artifacts, "no artifacts"
    for a in result.artifacts:
        assert store.blobs[a.digest] == a.bytes
        assert call("digest_of", a.bytes) == a.digest
    e = expect_error("Io", "E_IO", "run_into_host_store", StoreHost(fail=s.HostError.Io("read-only")))
    assert "read-only" in e.message, e.message
    expect_error("Internal", "E_INTERNAL", "run_into_host_store", StoreHost(fail=KeyError("oops")))


def c_fields(header, struct):
    body = re.search(rf"typedef struct {struct} \{{(.*?)\}}", header, re.S)
    assert body, f"no struct {struct} in StellaOpsFFI.h"
    return re.findall(r"(\w+) _Nonnull (\w+);", body.group(1))


def snake(name):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def test_callback_vtables_match_the_swift_header():
    """The vtables the Python host registers through ctypes have the fields, in order, and the
    method signatures of the C vtables the Swift protocols register (StellaOpsFFI.h)."""
    with open(os.path.join(ROOT, "bindings", "swift", "Sources", "StellaOpsFFI", "StellaOpsFFI.h"),
              encoding="utf-8") as f:
        header = f.read()
    for trait, methods in (("HostBlobStore", ["put", "get", "contains"]),
                           ("HostImageSource", ["root", "read_blob"])):
        fields = c_fields(header, f"UniffiVTableCallbackInterface{trait}")
        assert [snake(name) for _, name in fields] == ["uniffi_free", "uniffi_clone"] + methods, fields
        vtable = getattr(s, f"_UniffiVTableCallbackInterfaceStellaOpsSwift{trait}")
        assert [name for name, _ in vtable._fields_] == ["uniffi_free", "uniffi_clone"] + methods
        for (c_type, name), (_, py_type) in zip(fields[2:], vtable._fields_[2:]):
            args = re.search(rf"typedef void \(\*{c_type}\)\((.*?)\);", header, re.S)
            assert args, c_type
            assert args.group(1).count(",") + 1 == len(py_type._argtypes_), (name, args.group(1))
        init = f"uniffi_stella_ops_swift_fn_init_callback_vtable_{trait.lower()}"
        assert re.search(rf"^void {init}\(", header, re.M), init
        assert hasattr(s._UniffiLib, init), init


def test_every_api_function_called():
    """Runs last: every function of the API surface was called through the FFI."""
    surface = api_functions()
    assert len(surface) >= 29, surface
    missing = [f for f in surface if f not in CALLED]
    assert not missing, f"never called through the FFI: {missing}"


def main():
    passed, failed = 0, 0

    def report(name, body):
        nonlocal passed, failed
        try:
            body()
            passed += 1
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()

    with open(os.path.join(VECTORS, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    assert len(cases) >= 40, len(cases)
    for case in cases:
        report(f"conformance {case['name']}", lambda case=case: run_case(case))
    tests = [(n, t) for n, t in globals().items() if n.startswith("test_") and n != "test_every_api_function_called"]
    for name, test in tests:
        report(name, test)
    report("test_every_api_function_called", test_every_api_function_called)
    print(f"swift FFI (via uniffi Python): {len(cases)} conformance cases, {len(tests) + 1} tests")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
