//! Sign an SBOM attestation and verify it, as a release job and a deploy job would.
//!
//! The release side writes the image's CycloneDX SBOM, wraps an in-toto Statement v1 about the
//! image digest in a DSSE envelope signed with an ECDSA P-256 key (cosign's default), and logs
//! it in a Merkle transparency log. The deploy side verifies the envelope with the public key
//! only, refuses it for any other image (confused deputy), and checks the log receipt.
//!
//! Run: `cargo run -p stella-examples --bin sign-and-verify`

use std::sync::Arc;

use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::predicates::{CycloneDxBom, Predicate};
use stella_attest::statement::{Statement, StatementPolicy};
use stella_attest::transparency::MemoryLog;
use stella_attest::transparency::note::NoteVerifier;
use stella_core::{Digest, SignatureAlgorithm, TransparencyLog};
use stella_scan::catalog::default_catalogers;
use stella_scan::engine::{ScanOptions, scan_image_detailed};
use stella_scan::sbom::{WriteOptions, cyclonedx};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Release side.
    let image = stella_demo::image();
    let scan = scan_image_detailed(
        &image.source,
        &default_catalogers(),
        &ScanOptions::default(),
    )?;
    let image_digest = scan
        .sbom
        .image
        .manifest_digest
        .ok_or("the image has no manifest digest")?;
    let sbom = cyclonedx::write(
        &scan.sbom,
        &WriteOptions {
            timestamp: stella_core::Timestamp::parse_rfc3339(stella_demo::DEMO_TIME)?,
            tool_name: "sign-and-verify-example".into(),
            tool_version: "1.0".into(),
        },
    )?;
    let rng = SystemRandom::new();
    let key = PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng)?;
    let public_pem = key.public_key().to_pem();
    let signer = Arc::new(LocalSigner::new(key, rng)?);
    let envelope = Statement::builder()
        .subject("shop-api", image_digest)
        .predicate(&CycloneDxBom(serde_json::from_slice(&sbom)?))?
        .build()?
        .sign(&[signer.as_ref()])?
        .to_json()?;
    let log = MemoryLog::new("example.org/log", signer.clone())?;
    let receipt = log.append(&envelope)?;
    println!(
        "signed {} bytes for {image_digest} with key {}; log index {}",
        envelope.len(),
        signer.key_id(),
        receipt.log_index
    );

    // Deploy side: only the public key, the envelope and the receipt.
    let public = stella_attest::keys::PublicKey::from_pem(&public_pem)?;
    let mut ring = Keyring::new();
    ring.add(public.clone())?;
    let policy = StatementPolicy::new()
        .allow_predicate_type(CycloneDxBom::PREDICATE_TYPE)
        .expect_subject(image_digest);
    let verified = policy.verify(&Envelope::from_json(&envelope)?, &ring)?;
    println!(
        "verified: {} about {image_digest}",
        verified.statement().predicate_type()
    );

    let other = Digest::of(b"some other image");
    let refused = StatementPolicy::new()
        .allow_predicate_type(CycloneDxBom::PREDICATE_TYPE)
        .expect_subject(other)
        .verify(&Envelope::from_json(&envelope)?, &ring);
    println!(
        "for another image: {}",
        match refused {
            Ok(_) => "ACCEPTED (wrong!)".to_owned(),
            Err(e) => format!("refused ({e})"),
        }
    );

    let spki = public.spki_der().to_vec();
    let log_key = NoteVerifier::new("example.org/log", &spki, Arc::new(public))?;
    stella_attest::transparency::verify_receipt(
        &envelope,
        &receipt,
        std::slice::from_ref(&log_key),
    )?;
    println!(
        "log receipt verified: leaf {} in a tree of {}",
        receipt.log_index, receipt.inclusion_proof.tree_size
    );
    Ok(())
}
