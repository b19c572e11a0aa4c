//! `stella attest --predicate F --type URI --key K IMAGE`: sign an in-toto Statement v1 about an
//! image into a DSSE envelope.
//!
//! IMAGE is the image's digest, `sha256:<hex>`, or `NAME@sha256:<hex>` (the name becomes the
//! subject name), or an OCI image layout (`oci-dir:P`, `oci-archive:P`, or a bare path detected
//! as one) whose `index.json` names exactly one manifest or index: its digest is the subject, as
//! a registry names the image. A `docker save` archive carries no registry manifest (its
//! manifest digest would be one the reader synthesizes) and a root filesystem has none, so both
//! are refused: give the digest.
//!
//! `--type` is a predicate type URI, or one of cosign's short names: `cyclonedx`, `spdx`,
//! `spdxjson`, `slsaprovenance1`, `openvex`, and ours: `sbom`, `scan-result`, `policy-decision`,
//! `waiver`. Predicates of the types Stella Ops models are checked against their schema before
//! signing.

use std::path::PathBuf;

use stella_attest::AttestError;
use stella_attest::keys::{LocalSigner, SystemRandom};
use stella_attest::predicates::{
    CycloneDxBom, OpenVexDocument, PolicyDecision, Predicate, SbomReference, ScanResult,
    SlsaProvenanceV1, SpdxDocument, Waiver,
};
use stella_attest::statement::{Statement, Subject};
use stella_core::Digest;

use super::key::read_private_key;
use super::{CliError, KeyRef, Outcome, read_input, write_output};
use stella::image::{ImageRef, OpenedImage, open_image};

/// `stella attest`: sign a predicate about an image.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The predicate: a JSON file (`-` for stdin).
    #[arg(long)]
    pub predicate: PathBuf,
    /// The predicate type: a URI, or a short name (cyclonedx, spdx, spdxjson, slsaprovenance1,
    /// openvex, sbom, scan-result, policy-decision, waiver).
    #[arg(long = "type")]
    pub predicate_type: String,
    /// The private key: a file or `env://VAR` (PKCS#8 or SEC1 PEM).
    #[arg(long)]
    pub key: KeyRef,
    /// Where to write the envelope; stdout when absent or `-`.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
    /// The image: `sha256:<hex>` or `NAME@sha256:<hex>`; with `--push`,
    /// `registry:HOST/REPO[:TAG|@sha256:…]`.
    pub image: String,
    /// Attach the envelope to the image in its registry: as an OCI 1.1 referrer (artifactType
    /// `application/vnd.in-toto+json`, a DSSE layer) and in cosign's `sha256-<hex>.att`, so
    /// `cosign verify-attestation` and `stella verify registry:…` both find it. IMAGE is then a
    /// registry reference; a tag is resolved to the digest, which is the subject.
    #[arg(long)]
    pub push: bool,
}

/// The predicate type URI for a short name, or the argument itself.
pub fn predicate_type_uri(name: &str) -> &str {
    match name {
        "cyclonedx" => CycloneDxBom::PREDICATE_TYPE,
        "spdx" | "spdxjson" => SpdxDocument::PREDICATE_TYPE,
        "slsaprovenance1" => SlsaProvenanceV1::PREDICATE_TYPE,
        "openvex" => OpenVexDocument::PREDICATE_TYPE,
        "sbom" => SbomReference::PREDICATE_TYPE,
        "scan-result" => ScanResult::PREDICATE_TYPE,
        "policy-decision" => PolicyDecision::PREDICATE_TYPE,
        "waiver" => Waiver::PREDICATE_TYPE,
        other => other,
    }
}

/// Checks a predicate of a type we model against that model.
fn check_predicate(uri: &str, value: &serde_json::Value) -> Result<(), String> {
    fn as_type<P: Predicate>(v: &serde_json::Value) -> Result<(), String> {
        serde_json::from_value::<P>(v.clone())
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match uri {
        SbomReference::PREDICATE_TYPE => as_type::<SbomReference>(value),
        ScanResult::PREDICATE_TYPE => as_type::<ScanResult>(value),
        PolicyDecision::PREDICATE_TYPE => as_type::<PolicyDecision>(value),
        Waiver::PREDICATE_TYPE => as_type::<Waiver>(value),
        SlsaProvenanceV1::PREDICATE_TYPE => as_type::<SlsaProvenanceV1>(value),
        _ if !value.is_object() => Err("a predicate must be a JSON object".into()),
        _ => Ok(()),
    }
}

/// The digest an OCI layout names its image by: the one entry of its `index.json`.
fn layout_digest(image: &str) -> Result<Digest, CliError> {
    let refuse = |reason: String| CliError::Usage {
        what: "image",
        value: image.to_owned(),
        reason,
    };
    let reference = ImageRef::parse(image).map_err(|e| {
        refuse(format!(
            "{e}; give the image's digest (sha256:<hex> or NAME@sha256:<hex>) or an OCI layout"
        ))
    })?;
    let source = match (&reference, open_image(&reference)) {
        (ImageRef::OciDir(_) | ImageRef::OciArchive(_), Ok(OpenedImage::Image(source))) => source,
        (_, Err(e)) => return Err(CliError::library(ImageRef::redacted(image), e)),
        (ImageRef::DockerArchive(_), _) => {
            return Err(refuse(
                "a docker-save archive has no registry manifest digest to attest; give the \
                 image's digest (sha256:<hex>)"
                    .into(),
            ));
        }
        _ => {
            return Err(refuse(
                "a root filesystem directory has no image digest; give the image's digest \
                 (sha256:<hex>)"
                    .into(),
            ));
        }
    };
    let lib = |e: stella_core::CoreError| CliError::library(ImageRef::redacted(image), e);
    let root = source.root().map_err(lib)?;
    let index: serde_json::Value =
        stella_core::canonical::from_slice_strict(&source.blob(&root.digest).map_err(lib)?)
            .map_err(lib)?;
    let entries = index
        .get("manifests")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    match entries {
        [only] => only
            .get("digest")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| refuse("index.json entry has no digest".into()))
            .and_then(|d| Digest::parse(d).map_err(|e| refuse(e.to_string()))),
        other => Err(refuse(format!(
            "index.json names {} images, not one; give the digest of the one to attest",
            other.len()
        ))),
    }
}

/// Parses IMAGE into a subject.
fn subject_of(image: &str) -> Result<Subject, CliError> {
    let (name, digest_text) = match image.rsplit_once('@') {
        Some((name, digest)) if digest.starts_with("sha256:") => (Some(name), digest),
        _ => (None, image),
    };
    let digest = match Digest::parse(digest_text) {
        Ok(d) => d,
        Err(_) if !digest_text.starts_with("sha256:") => layout_digest(image)?,
        Err(e) => {
            return Err(CliError::Usage {
                what: "image",
                value: image.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let mut subject = Subject::new(name.unwrap_or("_"), digest);
    if name.is_none() {
        subject.name = None;
    }
    Ok(subject)
}

/// Runs `stella attest`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let target = if args.push {
        Some(super::artifacts::open_target(&args.image)?)
    } else {
        None
    };
    let subject = match &target {
        Some(t) => Subject::new(
            format!("{}/{}", t.reference.registry, t.reference.repository),
            t.subject.digest,
        ),
        None => subject_of(&args.image)?,
    };
    let uri = predicate_type_uri(&args.predicate_type).to_owned();
    let input = args.predicate.display().to_string();
    let predicate: serde_json::Value =
        stella_core::canonical::from_slice_strict(&read_input(&args.predicate)?)
            .map_err(|e| CliError::library(input.clone(), e))?;
    check_predicate(&uri, &predicate).map_err(|reason| CliError::Usage {
        what: "predicate",
        value: input.clone(),
        reason: format!("not a valid {uri} predicate: {reason}"),
    })?;
    let key = read_private_key(&args.key)?;
    let signer = LocalSigner::new(key, SystemRandom::new())
        .map_err(|e| CliError::library("signing key", e))?;
    let envelope = Statement::builder()
        .subject_digests(subject)
        .raw_predicate(uri.clone(), predicate)
        .build()
        .and_then(|statement| statement.sign(&[&signer]))
        .and_then(|envelope| envelope.to_json())
        .map_err(|e: AttestError| CliError::library(args.image.clone(), e))?;
    if let Some(t) = &target {
        let attached = t
            .repo
            .attach(
                &t.subject,
                stella_core::oci_artifact::ArtifactKind::InTotoDsse,
                &envelope,
                std::collections::BTreeMap::new(),
            )
            .map_err(|e| CliError::library(&t.shown, e))?;
        eprint!(
            "attached in-toto attestation {} to {}@{} ({})\n{}",
            attached.digest,
            t.shown,
            t.subject.digest,
            attached.discovery.name(),
            super::artifacts::push_cosign(t, &envelope, &uri)?
        );
    }
    let mut out = envelope;
    out.push(b'\n');
    write_output(args.output_file.as_deref(), &out)?;
    Ok(Outcome::Ok)
}
