#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella verify --tuf-mirror DIR`: the trusted root through a TUF mirror (repositories
//! python-tuf generated, tests/vectors/tuf), and `--payload-type` for plain DSSE envelopes.

use assert_cmd::Command;
use stella_attest::dsse::Envelope;
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_core::SignatureAlgorithm;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/");

fn case(name: &str) -> (String, String, String) {
    let dir = format!("{VECTORS}tuf/{name}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/case.json")).unwrap()).unwrap();
    (
        format!("{dir}/repo"),
        format!("{dir}/trusted/root.json"),
        v["now"].as_str().unwrap().to_owned(),
    )
}

/// `--tuf-mirror REPO --tuf-root ROOT --tuf-cache CACHE --tuf-now NOW`.
fn tuf_flags(repo: &str, root: &str, cache: &str, now: &str) -> Vec<String> {
    [
        "--tuf-mirror",
        repo,
        "--tuf-root",
        root,
        "--tuf-cache",
        cache,
        "--tuf-now",
        now,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Bundle `index` of the real npm attestations document, written alone to a temporary file
/// (0: npm's publish attestation, 1: the SLSA provenance).
fn npm_bundle(index: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{VECTORS}sigstore/real/npm-gundam-visor-1.0.1.attestations.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join(format!("npm-{index}.sigstore.json"));
    std::fs::write(
        &bundle,
        serde_json::to_vec(&doc["attestations"][index]["bundle"]).unwrap(),
    )
    .unwrap();
    (dir, bundle)
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The keyless bundle fails the same way (keyless is not verified on this branch) whether its
/// trusted root comes from a file or from the TUF mirror — the TUF path hands over the very
/// bytes, verified; a tampered mirror fails at TUF instead.
#[test]
fn tuf_mirror_gives_the_trusted_root_file_it_verified() {
    let (repo, root, now) = case("ok_sigstore_trusted_root");
    let cache = tempfile::tempdir().unwrap();
    let key = tempfile::NamedTempFile::new().unwrap();
    let k =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    std::fs::write(key.path(), k.public_key().to_pem()).unwrap();
    let bundle = format!("{VECTORS}sigstore/new_bundle.txt.sigstore.json");
    let artifact = format!("{VECTORS}sigstore/new_bundle.txt");
    let run = |extra: &[String]| {
        stella()
            .args(["verify", &bundle, "--artifact", &artifact])
            .args(["--key", key.path().to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let trusted_root = format!("{VECTORS}sigstore/trustedroot.v1.json");
    let via_file = run(&["--trusted-root".to_owned(), trusted_root.clone()]);
    let cache_arg = cache.path().to_str().unwrap();
    let via_tuf = run(&tuf_flags(&repo, &root, cache_arg, &now));
    assert_eq!(
        via_tuf.status.code(),
        via_file.status.code(),
        "{}",
        stderr_of(&via_tuf)
    );
    assert_eq!(stderr_of(&via_tuf), stderr_of(&via_file));
    assert_eq!(via_tuf.stdout, via_file.stdout);
    assert_eq!(
        std::fs::read(cache.path().join("trusted_root.json")).unwrap(),
        std::fs::read(format!("{VECTORS}sigstore/trustedroot.v1.json")).unwrap()
    );
    assert!(cache.path().join("root.json").exists());

    // Both flags at once: a usage error.
    let both = run(&[
        "--tuf-mirror".to_owned(),
        repo.clone(),
        "--trusted-root".to_owned(),
        trusted_root,
    ]);
    assert_eq!(both.status.code(), Some(2));

    // The TUF metadata expired at the time given: refused at TUF, exit 2.
    let late = run(&tuf_flags(&repo, &root, cache_arg, "2099-01-01T00:00:00Z"));
    assert_eq!(late.status.code(), Some(2));
    assert!(stderr_of(&late).contains("expired"), "{}", stderr_of(&late));

    // A mirror whose target was tampered with.
    let (repo, root, now) = case("fail_tampered_target");
    let cache = tempfile::tempdir().unwrap();
    let bad = run(&tuf_flags(
        &repo,
        &root,
        cache.path().to_str().unwrap(),
        &now,
    ));
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr_of(&bad).contains("hash does not match"),
        "{}",
        stderr_of(&bad)
    );
    assert!(!cache.path().join("trusted_root.json").exists());
}

/// A real npm publish attestation (npm registry key, production Rekor entry) verifies with
/// the trusted root the TUF mirror hands over, and the same with the file itself.
#[test]
fn real_npm_attestation_verifies_through_the_tuf_trusted_root() {
    let (repo, root, now) = case("ok_sigstore_trusted_root");
    let real = format!("{VECTORS}sigstore/real/");
    let (_dir, bundle) = npm_bundle(0);
    let cache = tempfile::tempdir().unwrap();
    for extra in [
        vec![
            "--trusted-root".to_owned(),
            format!("{VECTORS}sigstore/trustedroot.v1.json"),
        ],
        tuf_flags(&repo, &root, cache.path().to_str().unwrap(), &now),
    ] {
        let out = stella()
            .args(["verify", bundle.to_str().unwrap(), "--json"])
            .args(["--key", &format!("{real}npm-registry-2023.pub.pem")])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["verified"], true);
        assert_eq!(
            v["subjects"][0]["digest"]["sha512"].as_str().unwrap().len(),
            128
        );
    }
    // The wrong key: not verified (exit 1).
    let out = stella()
        .args(["verify", bundle.to_str().unwrap()])
        .args(["--key", &format!("{real}sigstore-go-public-key.pem")])
        .args([
            "--trusted-root",
            &format!("{VECTORS}sigstore/trustedroot.v1.json"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
}

#[test]
fn real_sigstore_go_text_envelope_verifies_with_payload_type() {
    let real = format!("{VECTORS}sigstore/real/");
    let b: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{real}sigstore-go-bundle-public-key.json")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env.json");
    std::fs::write(&env, serde_json::to_vec(&b["dsseEnvelope"]).unwrap()).unwrap();
    let out = stella()
        .args([
            "verify",
            env.to_str().unwrap(),
            "--payload-type",
            "text/plain",
            "--json",
        ])
        .args(["--key", &format!("{real}sigstore-go-public-key.pem")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["payloadDigest"],
        stella_core::Digest::of(b"hello, world!").to_string()
    );
}

#[test]
fn tuf_mirror_is_refused_for_a_plain_envelope() {
    let (repo, root, now) = case("ok_ed25519");
    let f = envelope_fixture("application/vnd.example+json", b"{\"hello\":1}");
    let out = stella()
        .args(["verify", &f.path("env.json"), "--key", &f.path("k.pub")])
        .args([
            "--tuf-mirror",
            &repo,
            "--tuf-root",
            &root,
            "--tuf-now",
            &now,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--tuf-mirror"),
        "{}",
        stderr_of(&out)
    );
}

struct Fixture(tempfile::TempDir);

impl Fixture {
    fn path(&self, name: &str) -> String {
        self.0.path().join(name).display().to_string()
    }
}

fn envelope_fixture(payload_type: &str, payload: &[u8]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new()).unwrap();
    std::fs::write(dir.path().join("k.pub"), key.public_key().to_pem()).unwrap();
    // The same key as DER SubjectPublicKeyInfo.
    std::fs::write(dir.path().join("k.der"), key.public_key().spki_der()).unwrap();
    let signer = LocalSigner::new(key, SystemRandom::new()).unwrap();
    let env = Envelope::sign(payload_type, payload.to_vec(), &[&signer]).unwrap();
    std::fs::write(dir.path().join("env.json"), env.to_json().unwrap()).unwrap();
    Fixture(dir)
}

#[test]
fn payload_type_verifies_any_dsse_payload() {
    let payload = b"not a statement at all";
    let f = envelope_fixture("application/vnd.cncf.notary.payload.v1+json", payload);
    // Default (in-toto): refused, the payload type is not allowed.
    stella()
        .args(["verify", &f.path("env.json"), "--key", &f.path("k.pub")])
        .assert()
        .code(1);
    // Named: verified, the payload reported by digest; a DER key works as well as PEM.
    for key in ["k.pub", "k.der"] {
        let out = stella()
            .args([
                "verify",
                &f.path("env.json"),
                "--key",
                &f.path(key),
                "--json",
            ])
            .args([
                "--payload-type",
                "application/vnd.cncf.notary.payload.v1+json",
            ])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v["payloadType"],
            "application/vnd.cncf.notary.payload.v1+json"
        );
        assert_eq!(
            v["payloadDigest"],
            stella_core::Digest::of(payload).to_string()
        );
        assert_eq!(v["payloadLength"], payload.len());
    }
    // Another payload type than the envelope's: not verified.
    stella()
        .args(["verify", &f.path("env.json"), "--key", &f.path("k.pub")])
        .args(["--payload-type", "text/plain"])
        .assert()
        .code(1);
    // A required signer that did not sign: not verified.
    stella()
        .args(["verify", &f.path("env.json"), "--key", &f.path("k.pub")])
        .args([
            "--payload-type",
            "application/vnd.cncf.notary.payload.v1+json",
        ])
        .args(["--require-signer", "sha256:0000"])
        .assert()
        .code(1);
    // Statement constraints have nothing to check: usage error.
    let out = stella()
        .args(["verify", &f.path("env.json"), "--key", &f.path("k.pub")])
        .args([
            "--payload-type",
            "application/vnd.cncf.notary.payload.v1+json",
        ])
        .args(["--subject", &stella_core::Digest::of(b"x").to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The in-toto type named explicitly behaves as the default.
    stella()
        .args(["verify", &f.path("env.json"), "--key", &f.path("k.pub")])
        .args(["--payload-type", "application/vnd.in-toto+json"])
        .assert()
        .code(1);
}

/// The npm SLSA provenance (keyless: production Fulcio, GitHub Actions identity, sha512-only
/// subject) verifies through the keyless verifier with its workflow identity, and only with it.
#[test]
fn real_npm_provenance_keyless_verifies_with_its_identity() {
    let real = format!("{VECTORS}sigstore/real/");
    let (_dir, bundle) = npm_bundle(1);
    let verify = |identity: &str| {
        stella()
            .args(["verify", bundle.to_str().unwrap()])
            .args(["--certificate-identity", identity])
            .args([
                "--certificate-oidc-issuer",
                "https://token.actions.githubusercontent.com",
            ])
            .args([
                "--trusted-root",
                &format!("{real}sigstore-production.trusted_root.json"),
            ])
            .output()
            .unwrap()
    };
    let ok = verify(
        "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("https://slsa.dev/provenance/v1"));
    let other = verify("https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main");
    assert_eq!(other.status.code(), Some(1), "{}", stderr_of(&other));
}
