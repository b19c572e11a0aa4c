"""Generates TUF repositories with python-tuf (and securesystemslib) for Stella's TUF client, and
records what python-tuf's own client (tuf.ngclient.Updater) says about each.

Usage: tuf_gen.py OUT_DIR

Each case is OUT_DIR/<case>/ with
  trusted/root.json          the root the client trusts at the start (and, for some cases,
  trusted/timestamp.json     timestamp and snapshot kept from an earlier update)
  trusted/snapshot.json
  repo/                      the repository as Sigstore lays it out: N.root.json, timestamp.json,
                             N.snapshot.json, N.targets.json, targets/<sha256>.trusted_root.json
                             (or snapshot.json, targets.json, targets/trusted_root.json without
                             consistent snapshots)
  case.json                  {"now": generation time, "expect": "ok" or Stella's TufError
                             variant, "python_tuf": "ok" or the exception python-tuf raised}
"""

import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone

from securesystemslib.signer import CryptoSigner, SSlibKey
from tuf.api.exceptions import DownloadHTTPError
from tuf.api.metadata import (
    MetaFile,
    Metadata,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface

ROLES = ["root", "timestamp", "snapshot", "targets"]
NOW = datetime.now(timezone.utc).replace(microsecond=0)
YEAR = timedelta(days=365)
TARGET = "trusted_root.json"
SER = JSONSerializer(compact=False)

GEN = {
    "ed25519": CryptoSigner.generate_ed25519,
    "ecdsa": CryptoSigner.generate_ecdsa,
    "rsa": lambda: CryptoSigner.generate_rsa(size=2048),
}


class Repo:
    def __init__(self, kind="ed25519", consistent=True, root_threshold=1, root_keys=1):
        self.files = {}
        self.signers = {r: [GEN[kind]()] for r in ROLES}
        self.signers["root"] = [GEN[kind]() for _ in range(root_keys)]
        root = Root(expires=NOW + YEAR, consistent_snapshot=consistent)
        for r in ROLES:
            for s in self.signers[r]:
                root.add_key(s.public_key, r)
        root.roles["root"].threshold = root_threshold
        self.root = Metadata(root)
        self.sign_root(self.signers["root"])
        self.trusted_root = self.files["1.root.json"]
        self.target = json.dumps({"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}).encode()
        self.targets = Metadata(Targets(expires=NOW + YEAR))
        self.add_target(self.target)
        self.snapshot = Metadata(Snapshot(expires=NOW + YEAR))
        self.timestamp = Metadata(Timestamp(expires=NOW + YEAR))
        self.kept = {}

    def add_target(self, data):
        self.targets.signed.targets[TARGET] = TargetFile(
            length=len(data),
            hashes={"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()},
            path=TARGET,
        )

    def sign_root(self, signers):
        self.root.signatures.clear()
        for s in signers:
            self.root.sign(s, append=True)
        self.files[f"{self.root.signed.version}.root.json"] = self.root.to_bytes(SER)

    def rotate_root(self, kind, old_sign=True, new_sign=True, version=None, threshold=1, expires=None):
        """Root N+1 with fresh keys of `kind` for every role."""
        old = self.signers["root"]
        self.signers = {r: [GEN[kind]()] for r in ROLES}
        root = copy.deepcopy(self.root.signed)
        root.keys.clear()
        for r in ROLES:
            root.roles[r].keyids.clear()
            for s in self.signers[r]:
                root.add_key(s.public_key, r)
        root.roles["root"].threshold = threshold
        root.version = version or root.version + 1
        if expires is not None:
            root.expires = expires
        self.root = Metadata(root)
        signers = (old if old_sign else []) + (self.signers["root"] if new_sign else [])
        self.root.signatures.clear()
        for s in signers:
            self.root.sign(s, append=True)
        return self.root.to_bytes(SER)

    def signed(self, md, role, signers=None):
        md.signatures.clear()
        for s in signers if signers is not None else self.signers[role]:
            md.sign(s, append=True)
        return md.to_bytes(SER)

    def publish(self, bump=True, ts_hashes=False, target_data=None):
        """Signs targets, snapshot and timestamp at their next versions and writes them."""
        consistent = self.root.signed.consistent_snapshot
        if bump:
            self.targets.signed.version += 0 if "targets.json" not in str(self.files.keys()) else 1
        targets = self.signed(self.targets, "targets")
        self.snapshot.signed.meta["targets.json"] = MetaFile(version=self.targets.signed.version)
        if bump and any(k.endswith("snapshot.json") for k in self.files):
            self.snapshot.signed.version += 1
        snapshot = self.signed(self.snapshot, "snapshot")
        self.timestamp.signed.snapshot_meta = MetaFile(
            version=self.snapshot.signed.version,
            length=len(snapshot) if ts_hashes else None,
            hashes={"sha256": hashlib.sha256(snapshot).hexdigest()} if ts_hashes else None,
        )
        if bump and "timestamp.json" in self.files:
            self.timestamp.signed.version += 1
        timestamp = self.signed(self.timestamp, "timestamp")
        data = self.target if target_data is None else target_data
        if consistent:
            self.files[f"{self.targets.signed.version}.targets.json"] = targets
            self.files[f"{self.snapshot.signed.version}.snapshot.json"] = snapshot
            self.files[f"targets/{hashlib.sha256(self.target).hexdigest()}.{TARGET}"] = data
        else:
            self.files["targets.json"] = targets
            self.files["snapshot.json"] = snapshot
            self.files[f"targets/{TARGET}"] = data
        self.files["timestamp.json"] = timestamp
        return timestamp, snapshot, targets

    def keep(self):
        """Keeps the current timestamp and snapshot as the client's trusted ones."""
        self.kept["timestamp.json"] = self.files["timestamp.json"]
        self.kept["snapshot.json"] = self.snapshot.to_bytes(SER)


class DirFetcher(FetcherInterface):
    def __init__(self, base):
        self.base = base

    def _fetch(self, url):
        path = os.path.join(self.base, url.removeprefix("http://repo/"))
        if not os.path.isfile(path):
            raise DownloadHTTPError(f"{url} not found", 404)
        with open(path, "rb") as f:
            yield f.read()


def python_tuf(case_dir):
    with tempfile.TemporaryDirectory() as tmp:
        md = os.path.join(tmp, "md")
        shutil.copytree(os.path.join(case_dir, "trusted"), md)
        os.makedirs(os.path.join(tmp, "dl"))
        try:
            u = Updater(
                metadata_dir=md,
                metadata_base_url="http://repo/",
                target_base_url="http://repo/targets/",
                target_dir=os.path.join(tmp, "dl"),
                fetcher=DirFetcher(os.path.join(case_dir, "repo")),
            )
            u.refresh()
            info = u.get_targetinfo(TARGET)
            if info is None:
                return "TargetNotFound"
            u.download_target(info)
            return "ok"
        except Exception as e:  # the verdict is the exception's class
            return type(e).__name__


def write_case(out, name, repo, expect):
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "trusted"))
    with open(os.path.join(d, "trusted", "root.json"), "wb") as f:
        f.write(repo.trusted_root)
    for k, v in repo.kept.items():
        with open(os.path.join(d, "trusted", k), "wb") as f:
            f.write(v)
    for path, data in repo.files.items():
        p = os.path.join(d, "repo", path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    verdict = python_tuf(d)
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump({"now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "expect": expect, "python_tuf": verdict}, f, indent=1, sort_keys=True)
        f.write("\n")
    return verdict


def cases():
    # ok: the plain repository, each key type, rotation chains, thresholds, no consistent snapshot.
    for kind in ["ed25519", "ecdsa", "rsa"]:
        r = Repo(kind)
        r.publish()
        yield f"ok_{kind}", r, "ok"

    # The target is a real Sigstore trusted root (tests/vectors/sigstore/trustedroot.v1.json).
    r = Repo("ecdsa")
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "vectors", "sigstore", "trustedroot.v1.json"), "rb") as f:
        r.target = f.read()
    r.add_target(r.target)
    r.publish()
    yield "ok_sigstore_trusted_root", r, "ok"

    r = Repo("ed25519")
    r.publish()
    r.files["2.root.json"] = r.rotate_root("ecdsa")
    r.files["3.root.json"] = r.rotate_root("rsa")
    r.files["4.root.json"] = r.rotate_root("ed25519")
    r.publish()
    yield "ok_rotation_mixed_keys", r, "ok"

    r = Repo("ecdsa", root_threshold=2, root_keys=3)
    extra = [CryptoSigner.generate_ecdsa() for _ in range(2)]
    for s in extra:
        r.root.signed.add_key(s.public_key, "targets")
    r.root.signed.roles["targets"].threshold = 2
    r.sign_root(r.signers["root"][:2])
    r.trusted_root = r.files["1.root.json"]
    r.signers["targets"] = [r.signers["targets"][0], extra[1]]
    r.publish()
    yield "ok_threshold_2of3", r, "ok"

    r = Repo("ed25519", consistent=False)
    r.publish()
    yield "ok_not_consistent", r, "ok"

    r = Repo("ed25519")
    r.publish()
    r.keep()
    r.targets.signed.version += 1
    r.publish()
    yield "ok_kept_older", r, "ok"

    # Fast-forward recovery: the kept timestamp (version 5) is signed by a timestamp key the
    # next root rotates out; the repository restarts its timestamp at version 1.
    r = Repo("ed25519")
    r.timestamp.signed.version = 5
    r.publish()
    r.keep()
    r.files["2.root.json"] = r.rotate_root("ed25519")
    r.timestamp.signed.version = 1
    r.files.pop("timestamp.json")
    r.publish(bump=False)
    yield "ok_rotation_drops_kept_timestamp", r, "ok"

    # thresholds
    r = Repo("ecdsa")
    extra = CryptoSigner.generate_ecdsa()
    r.root.signed.add_key(extra.public_key, "targets")
    r.root.signed.roles["targets"].threshold = 2
    r.sign_root(r.signers["root"])
    r.trusted_root = r.files["1.root.json"]
    r.publish()
    yield "fail_threshold", r, "Threshold"

    r = Repo("ecdsa")
    r.root.signed.add_key(CryptoSigner.generate_ecdsa().public_key, "targets")
    r.root.signed.roles["targets"].threshold = 2
    r.sign_root(r.signers["root"])
    r.trusted_root = r.files["1.root.json"]
    r.publish()
    t = json.loads(r.files["1.targets.json"])
    t["signatures"].append(dict(t["signatures"][0]))
    r.files["1.targets.json"] = json.dumps(t, indent=1).encode()
    yield "fail_duplicate_signature", r, "Threshold"

    # One key under two key ids: python-tuf counts key ids and accepts; Stella counts keys.
    r = Repo("ed25519")
    signer = r.signers["targets"][0]
    twin = SSlibKey("f" * 64, signer.public_key.keytype, signer.public_key.scheme, dict(signer.public_key.keyval))
    r.root.signed.add_key(twin, "targets")
    r.root.signed.roles["targets"].threshold = 2
    r.sign_root(r.signers["root"])
    r.trusted_root = r.files["1.root.json"]
    r.signers["targets"] = [signer, CryptoSigner(signer._private_key, twin)]
    r.publish()
    yield "stricter_one_key_two_keyids", r, "Threshold"

    # root chain
    r = Repo("ed25519")
    r.files["2.root.json"] = r.rotate_root("ed25519", old_sign=False)
    r.publish()
    yield "fail_root_not_signed_by_old", r, "Threshold"

    r = Repo("ed25519")
    r.files["2.root.json"] = r.rotate_root("ed25519", new_sign=False)
    r.publish()
    yield "fail_root_not_signed_by_new", r, "Threshold"

    r = Repo("ed25519")
    r.files["2.root.json"] = r.rotate_root("ed25519", version=3)
    r.publish()
    yield "fail_root_version_skip", r, "RootVersion"

    r = Repo("ed25519")
    r.files["2.root.json"] = r.rotate_root("ed25519", expires=NOW - timedelta(days=1))
    r.publish()
    yield "fail_root_expired", r, "Expired"

    # expiry
    for role in ["timestamp", "snapshot", "targets"]:
        r = Repo("ed25519")
        getattr(r, role).signed.expires = NOW - timedelta(days=1)
        r.publish()
        yield f"fail_{role}_expired", r, "Expired"

    # rollback
    r = Repo("ed25519")
    r.timestamp.signed.version = 3
    r.publish()
    r.keep()
    r.timestamp.signed.version = 2
    r.files.pop("timestamp.json")
    r.publish(bump=False)
    yield "fail_timestamp_rollback", r, "Rollback"

    r = Repo("ed25519")
    r.snapshot.signed.version = 2
    r.publish()
    r.keep()
    r.snapshot.signed.version = 1
    r.timestamp.signed.version += 1
    r.publish(bump=False)
    yield "fail_snapshot_rollback", r, "Rollback"

    r = Repo("ed25519")
    r.targets.signed.version = 2
    r.publish()
    r.keep()
    r.targets.signed.version = 1
    r.snapshot.signed.version += 1
    r.timestamp.signed.version += 1
    r.publish(bump=False)
    yield "fail_targets_rollback", r, "Rollback"

    # mix-and-match: the timestamp names snapshot 2, the file served as 2.snapshot.json is
    # snapshot 1 (validly signed).
    r = Repo("ed25519")
    _, snap1, _ = r.publish()
    r.snapshot.signed.version = 2
    r.timestamp.signed.version = 2
    r.publish(bump=False)
    r.files["2.snapshot.json"] = snap1
    yield "fail_mix_and_match", r, "VersionMismatch"

    r = Repo("ed25519")
    r.publish(ts_hashes=True)
    r.snapshot.signed.expires = NOW + 2 * YEAR
    r.files["1.snapshot.json"] = r.signed(r.snapshot, "snapshot")
    yield "fail_snapshot_hash", r, "HashMismatch"

    # targets and target files
    r = Repo("ed25519")
    r.publish(target_data=r.target.replace(b"trustedroot", b"trustedro0t"))
    yield "fail_tampered_target", r, "HashMismatch"

    r = Repo("ed25519")
    r.publish(target_data=r.target + b"\n")
    yield "fail_target_length", r, "LengthMismatch"

    r = Repo("ed25519")
    r.publish()
    t = json.loads(r.files["1.targets.json"])
    t["signed"]["targets"][TARGET]["length"] += 1
    r.files["1.targets.json"] = json.dumps(t, indent=1).encode()
    yield "fail_tampered_targets_metadata", r, "Threshold"

    r = Repo("ed25519")
    r.publish()
    r.files["timestamp.json"] = r.signed(r.snapshot, "timestamp")
    yield "fail_wrong_type", r, "WrongType"

    r = Repo("ed25519")
    del r.targets.signed.targets[TARGET]
    r.publish()
    yield "fail_target_missing", r, "TargetNotFound"


def canonical_vectors(out):
    """securesystemslib's encode_canonical on values that exercise its string and key rules."""
    from securesystemslib.formats import encode_canonical

    values = [
        {"b": 1, "a": [True, False, None], "": {}},
        {"quote\"back\\slash": "tab\tnl\ncr\rnul\u0000bell\u0007del\u007f"},
        {"é": "ü", "z": "😀", "Z": "\u2028\u2029", "a\u0000": 0},
        [-1, 0, 9007199254740993, -9223372036854775808, 18446744073709551615],
        {"nested": {"k2": [{"x": "y"}, []], "k1": "/\\/"}},
        "plain",
        {"\ud7ff": 1, "\ue000": 2, "\uffff": 3, "\U0001f600": 4},
    ]
    import base64

    vectors = [
        {"json": json.dumps(v, ensure_ascii=True), "canonical_b64": base64.b64encode(encode_canonical(v).encode()).decode()}
        for v in values
    ]
    with open(os.path.join(out, "canonical.json"), "w") as f:
        json.dump(vectors, f, indent=1)
        f.write("\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    canonical_vectors(out)
    for name, repo, expect in cases():
        verdict = write_case(out, name, repo, expect)
        print(f"{name}: python-tuf {verdict}, Stella expected {expect}")


if __name__ == "__main__":
    main()
