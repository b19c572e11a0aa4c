#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella key generate|public`.

use assert_cmd::Command;
use stella_attest::keys::{PrivateKey, PublicKey};
use stella_core::SignatureAlgorithm;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

#[test]
fn generate_writes_private_key_0600_and_public_key() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, alg) in [
        ("ecdsa-p256", SignatureAlgorithm::EcdsaP256Sha256),
        ("ed25519", SignatureAlgorithm::Ed25519),
    ] {
        let key = dir.path().join(format!("{flag}.key"));
        let public = dir.path().join(format!("{flag}.pub"));
        let out = stella()
            .args(["key", "generate", "--algorithm", flag, "--output-file"])
            .arg(&key)
            .arg("--public-file")
            .arg(&public)
            .assert()
            .success()
            .get_output()
            .clone();
        assert!(out.stdout.is_empty());
        let private = PrivateKey::from_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
        assert_eq!(private.algorithm(), alg);
        let pubkey = PublicKey::from_pem(&std::fs::read_to_string(&public).unwrap()).unwrap();
        assert_eq!(pubkey.key_id(), private.key_id());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(private.key_id()), "{stderr}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "private key must be owner-only: {mode:o}");
        }
    }
}

#[test]
fn generate_to_stdout_defaults_to_p256() {
    let out = stella().args(["key", "generate"]).assert().success();
    let pem = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let key = PrivateKey::from_pem(&pem).unwrap();
    assert_eq!(key.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
}

#[test]
fn public_from_private_file_and_env() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    stella()
        .args(["key", "generate", "--output-file"])
        .arg(&key)
        .assert()
        .success();
    let private = PrivateKey::from_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let expected = private.public_key().to_pem();
    let out = stella()
        .args(["key", "public", "--key"])
        .arg(&key)
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), expected);
    let out = stella()
        .args(["key", "public", "--key", "env://STELLA_TEST_KEY"])
        .env("STELLA_TEST_KEY", std::fs::read_to_string(&key).unwrap())
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), expected);
    // A public key gives itself back.
    let public = dir.path().join("k.pub");
    std::fs::write(&public, &expected).unwrap();
    stella()
        .args(["key", "public", "--key"])
        .arg(&public)
        .assert()
        .success()
        .stdout(expected);
}

#[test]
fn bad_key_input_exits_2_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a key").unwrap();
    let out = stella()
        .args(["key", "public", "--key"])
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("bad.pem"), "{stderr}");
    stella()
        .args(["key", "public", "--key", "env://STELLA_TEST_UNSET_VAR"])
        .env_remove("STELLA_TEST_UNSET_VAR")
        .assert()
        .code(2);
    stella()
        .args(["key", "public", "--key"])
        .arg(dir.path().join("missing.pem"))
        .assert()
        .code(2);
}

#[test]
fn der_keys_load_by_content_for_every_command() {
    use stella_attest::keys::{LocalSigner, SystemRandom};
    use stella_attest::statement::Statement;
    use stella_core::Digest;
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let key = PrivateKey::generate(alg, &SystemRandom::new()).unwrap();
        let expected = key.public_key().to_pem();
        // The names say nothing: detection is by content.
        std::fs::write(p("public.pem"), key.public_key().spki_der()).unwrap();
        std::fs::write(p("private.pub"), key.to_pkcs8_der().unwrap().as_slice()).unwrap();
        for file in ["public.pem", "private.pub"] {
            let out = stella()
                .args(["key", "public", "--key"])
                .arg(p(file))
                .assert()
                .success();
            assert_eq!(
                String::from_utf8_lossy(&out.get_output().stdout),
                expected,
                "{file}"
            );
        }
        // A DER private key signs (`stella attest`), a DER public key verifies.
        std::fs::write(p("predicate.json"), b"{}").unwrap();
        let image = Digest::of(b"manifest");
        stella()
            .args([
                "attest",
                "--type",
                "https://example.com/p/v1",
                "--predicate",
            ])
            .arg(p("predicate.json"))
            .arg("--key")
            .arg(p("private.pub"))
            .arg("--output-file")
            .arg(p("att.json"))
            .arg(format!("app@{image}"))
            .assert()
            .success();
        stella()
            .arg("verify")
            .arg(p("att.json"))
            .arg("--key")
            .arg(p("public.pem"))
            .args(["--subject", &image.to_string()])
            .assert()
            .code(0);
    }
    // An OpenSSL-written DER SPKI key (`openssl pkey -pubout -outform DER`, see
    // stella-attest/tests/data/keys/README.md) verifies what its private key signed.
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../stella-attest/tests/data/keys/"
    );
    let private =
        PrivateKey::from_pem(&std::fs::read_to_string(format!("{data}p256-pkcs8.pem")).unwrap())
            .unwrap();
    let image = Digest::of(b"openssl");
    let envelope = Statement::builder()
        .subject("app", image)
        .raw_predicate("https://example.com/p/v1", serde_json::json!({}))
        .build()
        .unwrap()
        .sign(&[&LocalSigner::new(private, SystemRandom::new()).unwrap()])
        .unwrap();
    std::fs::write(p("openssl.dsse.json"), envelope.to_json().unwrap()).unwrap();
    stella()
        .arg("verify")
        .arg(p("openssl.dsse.json"))
        .arg("--key")
        .arg(format!("{data}p256-pub.der"))
        .args(["--subject", &image.to_string()])
        .assert()
        .code(0);
}

#[test]
fn a_key_file_with_two_keys_is_refused() {
    use stella_attest::keys::SystemRandom;
    let dir = tempfile::tempdir().unwrap();
    let a =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let b =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let cases = [
        (
            "two-public.pem",
            format!("{}{}", a.public_key().to_pem(), b.public_key().to_pem()),
        ),
        (
            "two-private.pem",
            format!(
                "{}{}",
                a.to_pkcs8_pem().unwrap().as_str(),
                b.to_pkcs8_pem().unwrap().as_str()
            ),
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = stella()
            .args(["key", "public", "--key"])
            .arg(&path)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("2 PEM key blocks"), "{stderr}");
        assert!(stderr.contains(name), "{stderr}");
        assert!(out.get_output().stdout.is_empty());
    }
}
