"""Typed stubs of the native module ``stella_ops._native`` (Rust, pyo3 over
``stella-bindings-api``). Checked against the module with ``mypy.stubtest`` by ``test.sh``.

Conventions: documents are ``bytes`` in and out; options are keyword-only with the Rust
defaults (an empty string / 0 / ``False`` / empty list means "the default" as documented);
times are RFC 3339 text; every failure raises a ``StellaError`` subclass.
"""

import os
from collections.abc import Sequence
from typing import Literal, Union, final

__all__ = [
    "BundleVerified",
    "CheckpointVerified",
    "InclusionVerified",
    "InternalError",
    "InvalidArgumentError",
    "KeyPair",
    "LimitError",
    "NamedBytes",
    "NoteKey",
    "ParseError",
    "PolicyDecision",
    "PolicyError",
    "PublicKeyInfo",
    "RunArtifact",
    "RunResult",
    "StatementInfo",
    "StatementSubject",
    "StellaError",
    "StellaIOError",
    "UnsupportedError",
    "VerificationError",
    "VerifiedEnvelope",
    "VexMerged",
    "VexValidation",
    "canonicalize_json",
    "checkpoint_verify",
    "db_build",
    "digest_of",
    "digest_of_hex",
    "dsse_sign",
    "dsse_verify",
    "entry_trace_image_bytes",
    "entry_trace_image_path",
    "force_panic_for_tests",
    "generate_key",
    "import_private_key",
    "merkle_leaf_hash",
    "merkle_verify_inclusion",
    "policy_evaluate",
    "public_key_from_pem",
    "run",
    "sbom_from_image_bytes",
    "sbom_from_image_path",
    "scan_image_bytes",
    "scan_image_path",
    "scan_sbom",
    "sigstore_bundle_verify",
    "statement_build",
    "statement_parse",
    "vex_apply",
    "vex_generate",
    "vex_merge",
    "vex_validate",
    "__version__",
]

__version__: str

_KeyAlgorithm = Literal["ecdsa-p256", "ed25519"]
_SbomFormat = Literal["cyclonedx-json", "spdx-json"]
_ScanFormat = Literal["json", "sarif"]
_StrPath = Union[str, os.PathLike[str]]

# ------------------------------------------------------------------ errors

class StellaError(Exception):
    """Every error of stella_ops. ``code`` is the stable code (``"E_PARSE"``, ...), ``kind``
    its snake-case name (``"parse"``, ...), ``message`` the library's message (also
    ``str(error)``)."""

    code: str
    kind: str
    message: str

class InvalidArgumentError(StellaError):
    """E_INVALID_ARGUMENT: a missing key, a bad time, an unknown format."""

class ParseError(StellaError):
    """E_PARSE: an input does not parse or is malformed."""

class VerificationError(StellaError):
    """E_VERIFICATION: a signature, digest, proof or trust check failed."""

class PolicyError(StellaError):
    """E_POLICY: the Rego policy failed (a deny is a result, not an error)."""

class LimitError(StellaError):
    """E_LIMIT: a configured limit was exceeded."""

class StellaIOError(StellaError):
    """E_IO: reading or writing a file failed."""

class UnsupportedError(StellaError):
    """E_UNSUPPORTED: valid input using something Stella Ops does not support."""

class InternalError(StellaError):
    """E_INTERNAL: a bug (a panic inside the library is caught and raised as this)."""

# ------------------------------------------------------------------ records

@final
class KeyPair:
    """A private key with its public half, PEM text (``repr`` hides the private key);
    ``key_id`` is ``sha256:<hex>`` of the DER SubjectPublicKeyInfo (what DSSE keyids hold)."""

    @property
    def algorithm(self) -> _KeyAlgorithm: ...
    @property
    def private_pem(self) -> str: ...
    @property
    def public_pem(self) -> str: ...
    @property
    def key_id(self) -> str: ...

@final
class PublicKeyInfo:
    """A public key, PEM text."""

    @property
    def algorithm(self) -> _KeyAlgorithm: ...
    @property
    def public_pem(self) -> str: ...
    @property
    def key_id(self) -> str: ...

@final
class VerifiedEnvelope:
    """A DSSE envelope whose signatures verified."""

    @property
    def payload_type(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def key_ids(self) -> list[str]: ...

@final
class StatementSubject:
    """One subject of an in-toto statement."""

    def __new__(cls, name: str, digest: str) -> StatementSubject: ...
    @property
    def name(self) -> str: ...
    @property
    def digest(self) -> str: ...

@final
class StatementInfo:
    """A parsed in-toto statement."""

    @property
    def statement_type(self) -> str: ...
    @property
    def predicate_type(self) -> str: ...
    @property
    def subjects(self) -> tuple[StatementSubject, ...]: ...
    @property
    def predicate_json(self) -> bytes: ...

@final
class NamedBytes:
    """A named input file (an OSV document, a Rego module)."""

    def __new__(cls, name: str, bytes: bytes) -> NamedBytes: ...
    @property
    def name(self) -> str: ...
    @property
    def bytes(self) -> bytes: ...

@final
class VexValidation:
    """The result of ``vex_validate``."""

    @property
    def id(self) -> str: ...
    @property
    def statements(self) -> int: ...

@final
class VexMerged:
    """The result of ``vex_merge``."""

    @property
    def document(self) -> bytes: ...
    @property
    def explanation(self) -> str: ...
    @property
    def decisions_json(self) -> bytes: ...

@final
class PolicyDecision:
    """A gate decision; ``record`` is the canonical-JSON decision record."""

    @property
    def allow(self) -> bool: ...
    @property
    def violations(self) -> list[str]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def record(self) -> bytes: ...

@final
class InclusionVerified:
    """A verified inclusion proof (hashes in hex)."""

    @property
    def leaf_hash(self) -> str: ...
    @property
    def log_index(self) -> int: ...
    @property
    def tree_size(self) -> int: ...
    @property
    def root_hash(self) -> str: ...

@final
class NoteKey:
    """A trusted signed-note key."""

    def __new__(cls, name: str, public_pem: str) -> NoteKey: ...
    @property
    def name(self) -> str: ...
    @property
    def public_pem(self) -> str: ...

@final
class CheckpointVerified:
    """A verified C2SP checkpoint."""

    @property
    def origin(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def root_hash(self) -> str: ...
    @property
    def signers(self) -> list[str]: ...

@final
class BundleVerified:
    """A verified Sigstore bundle."""

    @property
    def media_type(self) -> str: ...
    @property
    def artifact_digest(self) -> str: ...
    @property
    def payload_type(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def key_id(self) -> str: ...
    @property
    def log_indexes(self) -> list[int]: ...
    @property
    def signer_identity(self) -> str: ...
    @property
    def signer_issuer(self) -> str: ...
    @property
    def signing_times(self) -> list[int]: ...

@final
class RunArtifact:
    """One artifact of a run, with its bytes."""

    @property
    def kind(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def bytes(self) -> bytes: ...

@final
class RunResult:
    """The result of ``run``."""

    @property
    def allow(self) -> bool: ...
    @property
    def report_json(self) -> bytes: ...
    @property
    def artifacts(self) -> tuple[RunArtifact, ...]: ...

# ------------------------------------------------------------------ functions

def canonicalize_json(json: bytes) -> bytes:
    """RFC 8785 canonical form of a JSON document (strict parse)."""

def digest_of(data: bytes) -> str:
    """``sha256:<hex>`` of the bytes."""

def digest_of_hex(data: bytes) -> str:
    """SHA-256 of the bytes, 64 lowercase hex digits."""

def generate_key(*, algorithm: _KeyAlgorithm = "ecdsa-p256") -> KeyPair:
    """A new key pair from the system's secure RNG."""

def import_private_key(pem: str) -> KeyPair:
    """Imports a PKCS#8 or SEC1 private key PEM."""

def public_key_from_pem(pem: str) -> PublicKeyInfo:
    """Reads a public key PEM (a private key PEM gives its public half)."""

def dsse_sign(payload: bytes, private_keys_pem: Sequence[str], *, payload_type: str = "") -> bytes:
    """Signs ``payload`` into a DSSE envelope (JSON) with every key; ``payload_type`` empty
    means ``application/vnd.in-toto+json``."""

def dsse_verify(
    envelope: bytes,
    *,
    public_keys_pem: Sequence[str] = (),
    threshold: int = 0,
    payload_types: Sequence[str] = (),
    reject_high_s: bool = False,
) -> VerifiedEnvelope:
    """Verifies a DSSE envelope; raises ``VerificationError`` unless verified."""

def statement_build(
    *,
    subjects: Sequence[Union[StatementSubject, tuple[str, str]]],
    predicate_type: str,
    predicate_json: bytes,
) -> bytes:
    """Builds an in-toto Statement v1; returns its payload bytes."""

def statement_parse(data: bytes) -> StatementInfo:
    """Parses an in-toto statement (v1, or v0.1)."""

def sbom_from_image_path(
    path: _StrPath,
    *,
    format: _SbomFormat = "cyclonedx-json",
    timestamp: str = "",
    platform: str = "",
    name: str = "",
) -> bytes:
    """The SBOM of an image at a path (OCI layout, OCI / docker archive, rootfs directory,
    or ``oci-dir:P`` / ``oci-archive:P`` / ``docker-archive:P`` / ``dir:P``)."""

def sbom_from_image_bytes(
    archive: bytes,
    *,
    format: _SbomFormat = "cyclonedx-json",
    timestamp: str = "",
    platform: str = "",
    name: str = "",
) -> bytes:
    """The SBOM of an image archive (uncompressed OCI archive or docker-save tar)."""

def db_build(
    documents: Sequence[Union[NamedBytes, tuple[str, bytes]]],
    *,
    date: str = "",
    lenient: bool = False,
) -> bytes:
    """A vulnerability DB snapshot from OSV documents (JSON/YAML, or .zip/.tar of them)."""

def scan_image_path(
    path: _StrPath,
    snapshot: bytes,
    *,
    format: _ScanFormat = "json",
    platform: str = "",
    name: str = "",
) -> bytes:
    """Scans an image at a path against a DB snapshot: findings JSON or SARIF."""

def scan_image_bytes(
    archive: bytes,
    snapshot: bytes,
    *,
    format: _ScanFormat = "json",
    platform: str = "",
    name: str = "",
) -> bytes:
    """Scans an image archive against a DB snapshot."""

def scan_sbom(
    sbom: bytes,
    snapshot: bytes,
    *,
    format: _ScanFormat = "json",
    platform: str = "",
    name: str = "",
) -> bytes:
    """Scans an SBOM (CycloneDX 1.3-1.6, SPDX 2.3, SPDX 3.0.1) against a DB snapshot."""

def entry_trace_image_path(path: _StrPath, *, platform: str = "") -> bytes:
    """The entry-trace of an image at a path, canonical JSON."""

def entry_trace_image_bytes(archive: bytes, *, platform: str = "") -> bytes:
    """The entry-trace of an image archive, canonical JSON."""

def vex_validate(document: bytes, *, now: str = "") -> VexValidation:
    """Validates an OpenVEX document (every violation in the error message)."""

def vex_merge(
    documents: Sequence[bytes],
    *,
    now: str = "",
    author: str = "",
    explain: bool = False,
    allow_unsigned: bool = False,
    trusted_keys_pem: Sequence[str] = (),
    trust_policy_yaml: str = "",
) -> VexMerged:
    """Merges trusted VEX into one OpenVEX document with the explanation of each decision."""

def vex_apply(
    findings: bytes,
    documents: Sequence[bytes],
    *,
    now: str = "",
    author: str = "",
    explain: bool = False,
    allow_unsigned: bool = False,
    trusted_keys_pem: Sequence[str] = (),
    trust_policy_yaml: str = "",
) -> bytes:
    """Applies trusted VEX to findings (SARIF or findings JSON); canonical JSON."""

def vex_generate(
    findings: bytes, *, now: str = "", author: str = "", policy_yaml: str = ""
) -> bytes:
    """Generates OpenVEX from findings (``under_investigation``, then the policy's rules)."""

def policy_evaluate(
    input_json: bytes,
    *,
    bundle_files: Sequence[Union[NamedBytes, tuple[str, bytes]]] = (),
    revision: str = "",
    deny_under_investigation: bool = False,
    time: str = "",
    actor: str = "",
    query: str = "",
    max_instructions: int = 0,
) -> PolicyDecision:
    """Evaluates a gate input under a Rego bundle (empty: the built-in one)."""

def merkle_leaf_hash(data: bytes) -> str:
    """RFC 9162 leaf hash (SHA-256 of 0x00 || data), hex."""

def merkle_verify_inclusion(leaf_data: bytes, proof_json: bytes) -> InclusionVerified:
    """Verifies an inclusion proof ``{"logIndex","treeSize","rootHash","hashes"}``."""

def checkpoint_verify(
    note: bytes,
    *,
    trusted_keys: Sequence[Union[NoteKey, tuple[str, str]]] = (),
    expected_size: int = 0,
    expected_root_hash: str = "",
) -> CheckpointVerified:
    """Verifies a C2SP signed-note checkpoint against trusted note keys."""

def sigstore_bundle_verify(
    bundle: bytes,
    *,
    public_keys_pem: Sequence[str] = (),
    rekor_keys_pem: Sequence[str] = (),
    trusted_root_json: Union[bytes, None] = None,
    artifact: Union[bytes, None] = None,
    artifact_digest: str = "",
    certificate_identity: str = "",
    certificate_identity_regexp: str = "",
    certificate_oidc_issuer: str = "",
    certificate_oidc_issuer_regexp: str = "",
    insecure_ignore_identity: bool = False,
    tlog_threshold: Union[int, None] = None,
    sct_threshold: Union[int, None] = None,
) -> BundleVerified:
    """Verifies a Sigstore bundle offline.

    Keyless (a Fulcio certificate): give ``trusted_root_json`` and an identity policy, as cosign
    spells it: ``certificate_identity`` (or ``certificate_identity_regexp``, unanchored) and
    ``certificate_oidc_issuer`` (or ``certificate_oidc_issuer_regexp``); or
    ``insecure_ignore_identity=True`` by name, which skips only the identity checks. A keyless
    bundle without an identity policy raises ``InvalidArgumentError``, never passes.

    Key-based: ``public_keys_pem`` with ``rekor_keys_pem`` and/or ``trusted_root_json``.

    ``tlog_threshold`` and ``sct_threshold`` (with ``trusted_root_json``; ``None`` means 1, as
    sigstore-go) lower by name what a bundle must carry: GitHub's timestamp-only attestations
    (no log entry, no CT log, an RFC 3161 timestamp) verify with both at 0.

    ``artifact`` (or ``artifact_digest``, ``sha256:<hex>``) is required for a message-signature
    bundle; for a DSSE bundle it is optional, and when given it must be a subject of the
    envelope's in-toto statement.

    Example::

        v = sigstore_bundle_verify(
            bundle_json, trusted_root_json=root, artifact=data,
            certificate_identity="https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main",
            certificate_oidc_issuer="https://token.actions.githubusercontent.com",
        )
        print(v.signer_identity, v.signing_times)
    """

def run(
    *,
    image_path: _StrPath = "",
    name: str = "",
    snapshot: Union[bytes, None] = None,
    private_key_pem: str = "",
    store_dir: _StrPath = "",
    time: str = "",
    vex: Sequence[bytes] = (),
    vex_public_keys_pem: Sequence[str] = (),
    allow_unsigned_vex: bool = False,
    platform: str = "",
    actor: str = "",
) -> RunResult:
    """The whole golden path; with no ``image_path``, the embedded demo (deterministic)."""

def force_panic_for_tests() -> None:
    """Panics inside the library; raises ``InternalError``. Tests only."""
