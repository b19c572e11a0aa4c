#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella attest`.

use std::path::Path;

use assert_cmd::Command;
use stella_attest::dsse::{Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::keys::PrivateKey;
use stella_attest::predicates::{Predicate, SbomReference};
use stella_attest::statement::{Statement, StatementPolicy};
use stella_core::Digest;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn generate(dir: &Path, alg: &str) -> (std::path::PathBuf, PrivateKey) {
    let key = dir.join(format!("{alg}.key"));
    stella()
        .args(["key", "generate", "--algorithm", alg, "--output-file"])
        .arg(&key)
        .assert()
        .success();
    let private = PrivateKey::from_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
    (key, private)
}

fn sbom_predicate(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("predicate.json");
    let json = serde_json::json!({
        "sbomFormat": "CycloneDX",
        "sbomVersion": "1.6",
        "mediaType": "application/vnd.cyclonedx+json",
        "location": {"digest": Digest::of(b"sbom").to_string()}
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    path
}

#[test]
fn attest_signs_a_statement_about_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let image = Digest::of(b"manifest");
    for alg in ["ecdsa-p256", "ed25519"] {
        let (key, private) = generate(dir.path(), alg);
        let out_file = dir.path().join(format!("{alg}.dsse.json"));
        stella()
            .args(["attest", "--type", "sbom", "--predicate"])
            .arg(sbom_predicate(dir.path()))
            .arg("--key")
            .arg(&key)
            .arg("--output-file")
            .arg(&out_file)
            .arg(format!("registry.example/app@{image}"))
            .assert()
            .success();
        let bytes = std::fs::read(&out_file).unwrap();
        let mut keyring = Keyring::new();
        keyring.add(private.public_key().clone()).unwrap();
        let verified = StatementPolicy::new()
            .allow_predicate_type(SbomReference::PREDICATE_TYPE)
            .expect_subject(image)
            .require_signer(private.key_id())
            .verify(&Envelope::from_json(&bytes).unwrap(), &keyring)
            .unwrap();
        let st = verified.statement();
        assert_eq!(
            st.subjects()[0].name.as_deref(),
            Some("registry.example/app")
        );
        let sbom: SbomReference = st.predicate_as().unwrap();
        assert_eq!(sbom.location.digest, Digest::of(b"sbom"));
    }
}

#[test]
fn attest_to_stdout_with_bare_digest_and_uri_type() {
    let dir = tempfile::tempdir().unwrap();
    let (key, private) = generate(dir.path(), "ed25519");
    let predicate = dir.path().join("p.json");
    std::fs::write(&predicate, br#"{"anything": [1, 2]}"#).unwrap();
    let image = Digest::of(b"m");
    let out = stella()
        .args([
            "attest",
            "--type",
            "https://example.com/custom/v1",
            "--predicate",
        ])
        .arg(&predicate)
        .arg("--key")
        .arg(&key)
        .arg(image.to_string())
        .assert()
        .success();
    let envelope = Envelope::from_json(&out.get_output().stdout).unwrap();
    let mut keyring = Keyring::new();
    keyring.add(private.public_key().clone()).unwrap();
    let verified = envelope.verify(&keyring, &[PAYLOAD_TYPE_IN_TOTO]).unwrap();
    assert!(stella_core::canonical::is_canonical(verified.payload()));
    let st = Statement::from_json(verified.payload()).unwrap();
    assert_eq!(st.predicate_type(), "https://example.com/custom/v1");
    assert_eq!(st.subjects()[0].name, None);
    assert!(st.has_subject(&image));
}

#[test]
fn attest_refuses_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = generate(dir.path(), "ecdsa-p256");
    let predicate = sbom_predicate(dir.path());
    // An image path (not a digest) is refused with a message saying so.
    let out = stella()
        .args(["attest", "--type", "sbom", "--predicate"])
        .arg(&predicate)
        .arg("--key")
        .arg(&key)
        .arg("./some-image-dir")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("./some-image-dir") && stderr.contains("digest"),
        "{stderr}"
    );
    // A predicate that is not a valid SBOM reference.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, br#"{"sbomFormat": 1}"#).unwrap();
    stella()
        .args(["attest", "--type", "sbom", "--predicate"])
        .arg(&bad)
        .arg("--key")
        .arg(&key)
        .arg(Digest::of(b"x").to_string())
        .assert()
        .code(2);
    // Duplicate keys in the predicate JSON.
    std::fs::write(&bad, br#"{"a": 1, "a": 2}"#).unwrap();
    stella()
        .args(["attest", "--type", "https://e/x", "--predicate"])
        .arg(&bad)
        .arg("--key")
        .arg(&key)
        .arg(Digest::of(b"x").to_string())
        .assert()
        .code(2);
    // A public key cannot sign.
    let public = dir.path().join("k.pub");
    stella()
        .args(["key", "public", "--key"])
        .arg(&key)
        .arg("--output-file")
        .arg(&public)
        .assert()
        .success();
    stella()
        .args(["attest", "--type", "sbom", "--predicate"])
        .arg(&predicate)
        .arg("--key")
        .arg(&public)
        .arg(Digest::of(b"x").to_string())
        .assert()
        .code(2);
}

#[test]
fn attest_resolves_an_oci_layout_to_its_manifest_digest() {
    use std::collections::BTreeMap;
    use stella_core::{Descriptor, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST};
    let dir = tempfile::tempdir().unwrap();
    let (key, private) = generate(dir.path(), "ecdsa-p256");
    let predicate = sbom_predicate(dir.path());
    let manifest = br#"{"schemaVersion":2}"#.to_vec();
    let root = Descriptor::new(
        MEDIA_TYPE_OCI_MANIFEST,
        Digest::of(&manifest),
        manifest.len() as u64,
    );
    let blobs = BTreeMap::from([(root.digest, manifest)]);
    let layout = dir.path().join("layout");
    stella::image::testing::write_oci_layout(&layout, &root, &blobs).unwrap();
    let archive = dir.path().join("image.tar");
    stella::image::testing::write_oci_archive(&archive, &root, &blobs).unwrap();
    let mut keyring = Keyring::new();
    keyring.add(private.public_key().clone()).unwrap();
    for image in [
        layout.display().to_string(),
        format!("oci-dir:{}", layout.display()),
        format!("oci-archive:{}", archive.display()),
    ] {
        let out = stella()
            .args(["attest", "--type", "sbom", "--predicate"])
            .arg(&predicate)
            .arg("--key")
            .arg(&key)
            .arg(&image)
            .assert()
            .success();
        StatementPolicy::new()
            .allow_predicate_type(SbomReference::PREDICATE_TYPE)
            .expect_subject(root.digest)
            .verify(
                &Envelope::from_json(&out.get_output().stdout).unwrap(),
                &keyring,
            )
            .unwrap();
    }
    // A root filesystem directory has no digest.
    let rootfs = dir.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    let out = stella()
        .args(["attest", "--type", "sbom", "--predicate"])
        .arg(&predicate)
        .arg("--key")
        .arg(&key)
        .arg(&rootfs)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("root filesystem"), "{stderr}");
    // An index naming two images is ambiguous.
    let second = br#"{"schemaVersion":2,"x":1}"#.to_vec();
    let d2 = Descriptor::new(
        MEDIA_TYPE_OCI_MANIFEST,
        Digest::of(&second),
        second.len() as u64,
    );
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": MEDIA_TYPE_OCI_INDEX, "manifests": [root, d2]
    }))
    .unwrap();
    let index_desc = Descriptor::new(MEDIA_TYPE_OCI_INDEX, Digest::of(&index), index.len() as u64);
    let multi = dir.path().join("multi");
    let blobs = BTreeMap::from([
        (root.digest, br#"{"schemaVersion":2}"#.to_vec()),
        (d2.digest, second),
        (index_desc.digest, index),
    ]);
    stella::image::testing::write_oci_layout(&multi, &index_desc, &blobs).unwrap();
    let out = stella()
        .args(["attest", "--type", "sbom", "--predicate"])
        .arg(&predicate)
        .arg("--key")
        .arg(&key)
        .arg(&multi)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("2 images"), "{stderr}");
}
