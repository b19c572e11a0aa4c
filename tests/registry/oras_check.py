"""Cross-checks of what Stella stores in a registry, through PyPI `oras` (oras-py) as an
independent client, and a cosign-layout attestation written by oras for Stella to read.

Used by tests/registry/referrers.sh:

  oras_check.py referrers HOST REPO DIGEST MIN
      The referrers tag schema's index (tag sha256-<hex>) read with oras: at least MIN
      entries; each entry's manifest, fetched by digest with oras, hashes to its digest, names
      DIGEST as its subject and the entry's artifactType; its layer blob hashes to its digest.
  oras_check.py cosign-read HOST REPO DIGEST MIN
      cosign's attestation manifest (tag sha256-<hex>.att) read with oras: at least MIN DSSE
      envelope layers, each with a predicateType annotation and an empty signature annotation,
      each blob a JSON DSSE envelope hashing to its digest.
  oras_check.py cosign-write HOST REPO DIGEST ENVELOPE PREDICATE_TYPE
      Writes cosign's attestation layout with oras: tag sha256-<hex>.att, an image config, one
      application/vnd.dsse.envelope.v1+json layer annotated as cosign annotates it.
"""

import hashlib
import json
import os
import sys
import tempfile

import oras.client
import oras.container

DSSE = "application/vnd.dsse.envelope.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def client(host):
    return oras.client.OrasClient(hostname=host, insecure=True)


def manifest_bytes(c, host, repo, ref):
    """The raw manifest bytes (oras' get_manifest parses; the digest needs the bytes)."""
    name = f"{host}/{repo}@{ref}" if ref.startswith("sha256:") else f"{host}/{repo}:{ref}"
    container = c.get_container(name)
    url = f"{c.prefix}://{container.manifest_url()}"
    r = c.do_request(url, "GET", headers={"Accept": f"{INDEX}, {MANIFEST}"})
    assert r.status_code == 200, (url, r.status_code)
    return r.content


def blob(c, host, repo, digest):
    container = c.get_container(f"{host}/{repo}@{digest}")
    r = c.get_blob(container, digest)
    assert r.status_code == 200, (digest, r.status_code)
    data = r.content
    assert "sha256:" + hashlib.sha256(data).hexdigest() == digest, f"blob {digest} does not hash to its digest"
    return data


def referrers(host, repo, digest, minimum):
    c = client(host)
    tag = "sha256-" + digest.split(":", 1)[1]
    index = json.loads(manifest_bytes(c, host, repo, tag))
    assert index["schemaVersion"] == 2 and index["mediaType"] == INDEX, index
    entries = index["manifests"]
    assert len(entries) >= minimum, (len(entries), minimum)
    for e in entries:
        raw = manifest_bytes(c, host, repo, e["digest"])
        assert "sha256:" + hashlib.sha256(raw).hexdigest() == e["digest"]
        assert len(raw) == e["size"]
        m = json.loads(raw)
        assert m["subject"]["digest"] == digest, (e["digest"], m.get("subject"))
        assert m["artifactType"] == e["artifactType"], (m["artifactType"], e["artifactType"])
        assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
        for layer in m["layers"]:
            data = blob(c, host, repo, layer["digest"])
            assert len(data) == layer["size"]
    print(f"oras: {len(entries)} referrers of {digest} checked")


def cosign_read(host, repo, digest, minimum):
    c = client(host)
    tag = "sha256-" + digest.split(":", 1)[1] + ".att"
    m = json.loads(manifest_bytes(c, host, repo, tag))
    layers = [l for l in m["layers"] if l["mediaType"] == DSSE]
    assert len(layers) >= minimum, (len(layers), minimum)
    for layer in layers:
        a = layer["annotations"]
        assert a["dev.cosignproject.cosign/signature"] == "" and a["predicateType"], a
        env = json.loads(blob(c, host, repo, layer["digest"]))
        assert env["payloadType"] == "application/vnd.in-toto+json" and env["signatures"], env
    print(f"oras: {len(layers)} cosign attestation layers of {digest} checked")


def cosign_write(host, repo, digest, envelope, predicate_type):
    c = client(host)
    tag = "sha256-" + digest.split(":", 1)[1] + ".att"
    with tempfile.TemporaryDirectory() as d:
        # oras-py pushes files relative to the working directory.
        os.chdir(d)
        with open("envelope.json", "wb") as f, open(envelope, "rb") as src:
            f.write(src.read())
        with open("config.json", "w") as f:
            json.dump({"architecture": "", "os": "", "config": {},
                       "rootfs": {"type": "layers", "diff_ids": []}}, f)
        with open("annotations.json", "w") as f:
            json.dump({"envelope.json": {"predicateType": predicate_type,
                                         "dev.cosignproject.cosign/signature": ""}}, f)
        c.push(
            target=f"{host}/{repo}:{tag}",
            files=[f"envelope.json:{DSSE}"],
            manifest_config="config.json:application/vnd.oci.image.config.v1+json",
            annotation_file="annotations.json",
        )
    print(f"oras: pushed cosign layout {repo}:{tag}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "referrers":
        referrers(args[0], args[1], args[2], int(args[3]))
    elif cmd == "cosign-read":
        cosign_read(args[0], args[1], args[2], int(args[3]))
    elif cmd == "cosign-write":
        cosign_write(*args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
