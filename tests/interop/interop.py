"""DSSE interop between `stella` and securesystemslib (its `dsse.Envelope` and `CryptoSigner`).

  interop.py verify ENVELOPE PUBLIC_PEM PAYLOAD_TYPE
      Verify an envelope `stella attest` wrote, with securesystemslib, under the key whose
      id is Stella's rule (sha256: + hex SHA-256 of the SPKI DER), computed here independently.
      Prints the verified payload's predicateType. Exit 1 if it does not verify.
  interop.py sign PRIVATE_PEM SUBJECT_SHA256 PREDICATE_TYPE OUT
      Sign an in-toto Statement v1 with securesystemslib (its own key id scheme) into OUT.
"""

import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

IN_TOTO = "application/vnd.in-toto+json"


def stella_key_id(public_key) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def verify(envelope_path: str, public_pem_path: str, payload_type: str) -> int:
    with open(public_pem_path, "rb") as f:
        public = serialization.load_pem_public_key(f.read())
    key = SSlibKey.from_crypto(public, keyid=stella_key_id(public))
    with open(envelope_path, "rb") as f:
        envelope = Envelope.from_dict(json.load(f))
    if envelope.payload_type != payload_type:
        print(f"unexpected payloadType {envelope.payload_type!r}", file=sys.stderr)
        return 1
    try:
        accepted = envelope.verify([key], 1)
    except Exception as e:  # securesystemslib raises VerificationError
        print(f"securesystemslib did not verify {envelope_path}: {e}", file=sys.stderr)
        return 1
    assert list(accepted) == [key.keyid], accepted
    statement = json.loads(envelope.payload)
    print(statement["predicateType"])
    return 0


def sign(private_pem_path: str, subject: str, predicate_type: str, out: str) -> int:
    with open(private_pem_path, "rb") as f:
        private = serialization.load_pem_private_key(f.read(), password=None)
    signer = CryptoSigner(private)
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "interop", "digest": {"sha256": subject}}],
        "predicateType": predicate_type,
        "predicate": {"signedBy": "securesystemslib"},
    }
    envelope = Envelope(json.dumps(statement).encode(), IN_TOTO, {})
    envelope.sign(signer)
    # securesystemslib verifies its own envelope before we hand it over.
    envelope.verify([signer.public_key], 1)
    with open(out, "w") as f:
        json.dump(envelope.to_dict(), f)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "verify":
        return verify(argv[1], argv[2], argv[3])
    if len(argv) == 5 and argv[0] == "sign":
        return sign(argv[1], argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
