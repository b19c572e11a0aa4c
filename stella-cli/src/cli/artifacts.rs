//! `stella artifacts list|attach|get IMAGE-REF`: what is attached to an image in a registry,
//! attaching a file to it, and reading one attached artifact back; and the image side of
//! `stella verify registry:IMAGE-REF` ([`verify_image`]).
//!
//! IMAGE-REF is `registry:HOST/REPO[:TAG|@sha256:…]` (the `registry:` prefix may be left out);
//! a tag is resolved to the image digest once and only the digest is used after. Credentials and
//! transport are those of `stella sbom registry:…` (`STELLA_REGISTRY_*`, docker's and podman's
//! auth files and credential helpers; plain HTTP only to loopback or with
//! `STELLA_REGISTRY_INSECURE=1`).
//!
//! What is listed and verified: the image's OCI referrers (the registry's referrers API, else
//! the referrers tag schema `sha256-<hex>`) and the DSSE layers of cosign's `sha256-<hex>.att`
//! manifest. Every artifact is fetched and checked before it is shown as anything but
//! `refused`: its manifest against its digest, its `subject` against the image (a referrer moved
//! from another image is refused), its payload against its layer digest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use stella::image::registry::{RegistryOptions, RegistryRef, redact_reference};
use stella::oci::{Discovery, OciRepository};
use stella_attest::dsse::{Envelope, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::statement::Statement;
use stella_attest::transparency::bundle::Bundle;
use stella_core::oci_artifact::{
    ANNOTATION_COSIGN_BUNDLE, ANNOTATION_PREDICATE_TYPE, ArtifactKind,
};
use stella_core::{Descriptor, Digest};

use super::verify::{Constraints, Input, is_verification_failure};
use super::{CliError, Outcome, read_input, write_output};

/// `stella artifacts`: what is attached to an image in a registry.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `stella artifacts` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List what is attached to an image: source, type, digest, signer, log receipt.
    List(ListArgs),
    /// Attach a file to an image as an OCI 1.1 artifact of a kind.
    Attach(AttachArgs),
    /// Write the payload of one attached artifact (by its manifest digest).
    Get(GetArgs),
}

/// `stella artifacts list IMAGE-REF`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The image: `registry:HOST/REPO[:TAG|@sha256:…]`.
    pub image: String,
    /// Only artifacts of this kind (cyclonedx, spdx, intoto, sarif, openvex, decision,
    /// sigstore-bundle) or `artifactType`.
    #[arg(long = "type")]
    pub artifact_type: Option<String>,
    /// Print canonical JSON.
    #[arg(long)]
    pub json: bool,
}

/// `stella artifacts attach IMAGE-REF --type KIND FILE`.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// The image: `registry:HOST/REPO[:TAG|@sha256:…]`.
    pub image: String,
    /// The kind (cyclonedx, spdx, intoto, sarif, openvex, decision, sigstore-bundle).
    #[arg(long = "type")]
    pub kind: String,
    /// The file to attach (`-` for stdin).
    pub file: PathBuf,
}

/// `stella artifacts get IMAGE-REF DIGEST`.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The image: `registry:HOST/REPO[:TAG|@sha256:…]`.
    pub image: String,
    /// The artifact manifest's digest (as `list` shows it).
    pub digest: String,
    /// Where to write the payload; stdout when absent or `-`.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// An image in a registry, opened for its artifacts.
pub(crate) struct Target {
    /// The repository.
    pub(crate) repo: OciRepository,
    /// The image manifest's descriptor.
    pub(crate) subject: Descriptor,
    /// The reference as errors show it.
    pub(crate) shown: String,
    /// The reference.
    pub(crate) reference: RegistryRef,
}

/// Opens `registry:HOST/REPO…` (prefix optional) with the credentials of `from_env`.
pub(crate) fn open_target(image: &str) -> Result<Target, CliError> {
    let text = image.strip_prefix("registry:").unwrap_or(image);
    let shown = redact_reference(text);
    let reference = RegistryRef::parse(text).map_err(|e| CliError::library(&shown, e))?;
    let options = RegistryOptions::from_env().map_err(|e| CliError::library(&shown, e))?;
    let repo =
        OciRepository::open(&reference, options).map_err(|e| CliError::library(&shown, e))?;
    let subject = repo
        .subject(&reference)
        .map_err(|e| CliError::library(&shown, e))?;
    Ok(Target {
        repo,
        subject,
        shown,
        reference,
    })
}

/// One artifact found for an image, fetched and checked (or refused, with why).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Found {
    /// `referrers-api`, `tag-schema` or `cosign-att`.
    pub(crate) source: &'static str,
    /// The artifact manifest digest (a referrer) or the layer digest (a cosign layer).
    pub(crate) digest: Digest,
    /// The `artifactType` (a referrer) or the layer media type (a cosign layer).
    pub(crate) artifact_type: String,
    /// The predicate type, when the payload is an in-toto statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) predicate_type: Option<String>,
    /// Key ids the signatures name (claimed, not verified: `stella verify` verifies).
    pub(crate) signers: Vec<String>,
    /// The log receipt it carries, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) log: Option<String>,
    /// Why it was refused (manifest, subject or payload check), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refused: Option<String>,
    /// The payload, when fetched and checked.
    #[serde(skip)]
    pub(crate) payload: Option<Vec<u8>>,
}

impl Found {
    /// An entry with nothing known yet beyond where it was found.
    fn new(source: &'static str, digest: Digest, artifact_type: String) -> Self {
        Self {
            source,
            digest,
            artifact_type,
            predicate_type: None,
            signers: Vec::new(),
            log: None,
            refused: None,
            payload: None,
        }
    }

    /// An entry with its (checked) payload, described.
    fn with_payload(mut self, payload: Vec<u8>) -> Self {
        describe_payload(&mut self, &payload);
        self.payload = Some(payload);
        self
    }

    /// A DSSE layer of cosign's `.att` (its envelope checked against the layer digest).
    fn cosign(layer: &Descriptor, envelope: Vec<u8>) -> Self {
        let mut found = Self::new("cosign-att", layer.digest, layer.media_type.clone());
        found.predicate_type = layer.annotations.get(ANNOTATION_PREDICATE_TYPE).cloned();
        found.log = layer
            .annotations
            .contains_key(ANNOTATION_COSIGN_BUNDLE)
            .then(|| "rekor bundle (cosign annotation)".to_owned());
        found.with_payload(envelope)
    }
}

fn describe_payload(found: &mut Found, payload: &[u8]) {
    if super::verify_bundle::is_bundle(payload) {
        if let Ok(bundle) = Bundle::parse(payload) {
            let entries = &bundle.verification_material.tlog_entries;
            if !entries.is_empty() {
                let indexes: Vec<String> =
                    entries.iter().map(|e| e.log_index.to_string()).collect();
                found.log = Some(format!("tlog entry {}", indexes.join(",")));
            }
            if let Some(k) = &bundle.verification_material.public_key {
                found.signers.push(k.hint.clone());
            }
            if let Some(env) = &bundle.dsse_envelope {
                describe_bundle_envelope(found, env);
            }
        }
    } else if let Ok(env) = Envelope::from_json(payload) {
        describe_envelope(found, &env);
    }
}

fn describe_envelope(found: &mut Found, env: &Envelope) {
    // The payload of an unverified envelope is out of reach by design; the predicate type of a
    // DSSE artifact is shown from cosign's annotation, or by `stella verify`.
    found
        .signers
        .extend(env.signatures().iter().map(|s| s.keyid().to_owned()));
}

fn describe_bundle_envelope(
    found: &mut Found,
    env: &stella_attest::transparency::bundle::Envelope,
) {
    found
        .signers
        .extend(env.signatures.iter().map(|s| s.keyid.clone()));
    if env.payload_type == PAYLOAD_TYPE_IN_TOTO
        && let Ok(statement) = Statement::from_json(&env.payload)
    {
        found.predicate_type = Some(statement.predicate_type().to_owned());
    }
}

/// `shown@digest`, unless `shown` already names the digest.
fn named(shown: &str, digest: &Digest) -> String {
    if shown.contains('@') {
        shown.to_owned()
    } else {
        format!("{shown}@{digest}")
    }
}

/// Everything attached to the target (of `artifact_type` when given), each fetched and checked.
pub(crate) fn discover(
    target: &Target,
    artifact_type: Option<&str>,
) -> Result<Vec<Found>, CliError> {
    let image = target.subject.digest;
    let (referrers, discovery) = target
        .repo
        .referrers(&image, artifact_type)
        .map_err(|e| CliError::library(&target.shown, e))?;
    let source = match discovery {
        Discovery::ReferrersApi => "referrers-api",
        Discovery::TagSchema => "tag-schema",
    };
    let mut out = Vec::new();
    for r in referrers {
        let found = Found::new(
            source,
            r.digest,
            r.artifact_type.clone().unwrap_or_default(),
        );
        out.push(match target.repo.fetch_artifact(&image, &r) {
            Ok(artifact) => found.with_payload(artifact.payload),
            Err(e) => Found {
                refused: Some(e.to_string()),
                ..found
            },
        });
    }
    let wants_dsse = artifact_type.is_none_or(|t| {
        t == ArtifactKind::InTotoDsse.artifact_type()
            || t == ArtifactKind::InTotoDsse.layer_media_type()
    });
    if wants_dsse {
        match target.repo.cosign_attestations(&image) {
            Ok(layers) => out.extend(
                layers
                    .into_iter()
                    .map(|a| Found::cosign(&a.layer, a.envelope)),
            ),
            Err(e) => out.push(Found {
                refused: Some(e.to_string()),
                ..Found::new("cosign-att", image, String::new())
            }),
        }
    }
    Ok(out)
}

fn kind_arg(text: &str) -> Result<ArtifactKind, CliError> {
    ArtifactKind::parse(text).ok_or_else(|| CliError::Usage {
        what: "--type",
        value: text.to_owned(),
        reason: "one of cyclonedx, spdx, intoto, sarif, openvex, decision, sigstore-bundle".into(),
    })
}

/// Runs `stella artifacts`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    match args.command {
        Command::List(a) => list(a),
        Command::Attach(a) => attach(a),
        Command::Get(a) => get(a),
    }
}

fn list(args: ListArgs) -> Result<Outcome, CliError> {
    let filter = args.artifact_type.as_ref().map(|t| {
        ArtifactKind::parse(t).map_or_else(|| t.clone(), |k| k.artifact_type().to_owned())
    });
    let (shown, digest, found) = match args.image.strip_prefix("oci-dir:") {
        Some(dir) => {
            let (shown, digest, mut found) = discover_layout(dir)?;
            if let Some(f) = &filter {
                found.retain(|x| &x.artifact_type == f);
            }
            (shown, digest, found)
        }
        None => {
            let target = open_target(&args.image)?;
            let found = discover(&target, filter.as_deref())?;
            (target.shown, target.subject.digest, found)
        }
    };
    let out = if args.json {
        #[derive(Serialize)]
        struct Listing<'a> {
            image: String,
            artifacts: &'a [Found],
        }
        let mut bytes = stella_core::canonical::to_canonical_vec(&Listing {
            image: digest.to_string(),
            artifacts: &found,
        })
        .map_err(|e| CliError::library(&shown, e))?;
        bytes.push(b'\n');
        bytes
    } else {
        let mut text = format!("image {}\n", named(&shown, &digest));
        for f in &found {
            text.push_str(&format!(
                "{:<13} {:<52} {}  signer={} log={}{}{}\n",
                f.source,
                f.artifact_type,
                f.digest,
                if f.signers.is_empty() {
                    "-".to_owned()
                } else {
                    f.signers.join(",")
                },
                f.log.as_deref().unwrap_or("-"),
                f.predicate_type
                    .as_deref()
                    .map(|p| format!(" predicate={p}"))
                    .unwrap_or_default(),
                f.refused
                    .as_deref()
                    .map(|r| format!(" REFUSED: {r}"))
                    .unwrap_or_default(),
            ));
        }
        text.into_bytes()
    };
    write_output(None, &out)?;
    Ok(Outcome::Ok)
}

fn attach(args: AttachArgs) -> Result<Outcome, CliError> {
    let kind = kind_arg(&args.kind)?;
    let target = open_target(&args.image)?;
    let payload = read_input(&args.file)?;
    let attached = target
        .repo
        .attach(&target.subject, kind, &payload, BTreeMap::new())
        .map_err(|e| CliError::library(&target.shown, e))?;
    let text = format!(
        "attached {} {} to {}@{} ({})\n",
        kind.name(),
        attached.digest,
        target.shown,
        target.subject.digest,
        attached.discovery.name()
    );
    write_output(None, text.as_bytes())?;
    Ok(Outcome::Ok)
}

/// Adds a DSSE envelope (of an in-toto statement of `predicate_type`) to cosign's `.att` of the
/// target; the line to print.
pub(crate) fn push_cosign(
    target: &Target,
    envelope: &[u8],
    predicate_type: &str,
) -> Result<String, CliError> {
    let layer = target
        .repo
        .attach_cosign_attestation(&target.subject.digest, envelope, predicate_type)
        .map_err(|e| CliError::library(&target.shown, e))?;
    Ok(format!(
        "attached cosign attestation layer {layer} ({})\n",
        stella_core::oci_artifact::cosign_tag(
            &target.subject.digest,
            stella_core::oci_artifact::CosignTag::Attestations
        )
    ))
}

fn get(args: GetArgs) -> Result<Outcome, CliError> {
    let target = open_target(&args.image)?;
    let digest = Digest::parse(&args.digest).map_err(|e| CliError::Usage {
        what: "digest",
        value: args.digest.clone(),
        reason: e.to_string(),
    })?;
    let found = discover(&target, None)?;
    let hit = found
        .into_iter()
        .find(|f| f.digest == digest)
        .ok_or_else(|| CliError::Usage {
            what: "digest",
            value: args.digest.clone(),
            reason: format!("not attached to {}@{}", target.shown, target.subject.digest),
        })?;
    match (hit.payload, hit.refused) {
        (Some(payload), _) => {
            write_output(args.output_file.as_deref(), &payload)?;
            Ok(Outcome::Ok)
        }
        (None, reason) => Err(CliError::library(
            args.digest,
            reason.unwrap_or_else(|| "not fetched".to_owned()),
        )),
    }
}

/// One attestation's verdict in `stella verify registry:…`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Verdict {
    source: &'static str,
    digest: Digest,
    artifact_type: String,
    passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate_type: Option<String>,
    key_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// `stella verify registry:IMAGE-REF`: every signed artifact attached to the image (DSSE
/// envelopes and Sigstore bundles, as OCI referrers or in cosign's `.att`) verified under the
/// flags, the image digest required among each statement's subjects. Prints one line per
/// artifact; exit 0 when at least one passed, 1 when none did.
pub(crate) fn verify_image(args: &super::verify::Args, image: &str) -> Result<Outcome, CliError> {
    let (shown, digest, found) = match image.strip_prefix("oci-dir:") {
        Some(dir) => discover_layout(dir)?,
        None => {
            let target = open_target(image)?;
            let found = discover(&target, None)?;
            (target.shown, target.subject.digest, found)
        }
    };
    verify_found(args, &shown, digest, found)
}

/// The attestations of an image in an OCI layout mirror (`stella mirror --to oci-layout:DIR`):
/// the layout's first image (as `stella scan oci-dir:DIR` picks it), the artifact manifests
/// `index.json` lists whose `subject` is that image, and the DSSE layers of its cosign `.att`
/// entry; every blob read through the layout reader, which verifies digests.
pub(crate) fn discover_layout(dir: &str) -> Result<(String, Digest, Vec<Found>), CliError> {
    use stella_core::ImageSource as _;
    let shown = format!("oci-dir:{dir}");
    let source = stella::image::OciLayout::open_dir(std::path::Path::new(dir))
        .map_err(|e| CliError::library(&shown, e))?;
    let lib = |e: stella_core::CoreError| CliError::library(format!("oci-dir:{dir}"), e);
    let root = source.root().map_err(lib)?;
    let index: stella_scan::image::ImageIndex =
        stella_core::canonical::from_slice_strict(&source.blob(&root.digest).map_err(lib)?)
            .map_err(lib)?;
    let digest = index
        .manifests
        .first()
        .map(|e| e.digest)
        .ok_or_else(|| CliError::Usage {
            what: "image",
            value: shown.clone(),
            reason: "index.json lists no image".into(),
        })?;
    let limits = stella_core::oci_artifact::ArtifactLimits::default();
    let mut out = Vec::new();
    for (r, _, payload) in stella::oci_mirror::layout_referrers(&source, &digest, &limits)
        .map_err(|e| CliError::library(&shown, e))?
    {
        let found = Found::new(
            "oci-layout",
            r.digest,
            r.artifact_type.clone().unwrap_or_default(),
        );
        out.push(found.with_payload(payload));
    }
    let att = stella_core::oci_artifact::cosign_tag(
        &digest,
        stella_core::oci_artifact::CosignTag::Attestations,
    );
    let entry = index
        .manifests
        .iter()
        .find(|e| e.annotations.get(stella::oci_mirror::ANNOTATION_REF_NAME) == Some(&att));
    if let Some(entry) = entry {
        let manifest = stella_core::oci_artifact::ArtifactManifest::parse(
            &source.blob(&entry.digest).map_err(lib)?,
            &limits,
        )
        .map_err(|e| CliError::library(&shown, e))?;
        for layer in manifest
            .layers
            .into_iter()
            .filter(|l| l.media_type == stella_core::oci_artifact::MEDIA_TYPE_DSSE_ENVELOPE)
        {
            let envelope = source.blob(&layer.digest).map_err(lib)?;
            out.push(Found::cosign(&layer, envelope));
        }
    }
    Ok((shown, digest, out))
}

/// Verifies what was found for the image `digest` and prints the verdicts.
fn verify_found(
    args: &super::verify::Args,
    shown: &str,
    digest: Digest,
    found: Vec<Found>,
) -> Result<Outcome, CliError> {
    let mut constraints = Constraints::from_args(args)?;
    if !constraints.subjects.contains(&digest) {
        constraints.subjects.push(digest);
    }
    let keys = args
        .key
        .iter()
        .map(super::key::read_public_key)
        .collect::<Result<Vec<_>, _>>()?;
    // The bundle options, with the TUF mirror's trusted root resolved once for every bundle
    // (a refresh reads the mirror and writes the cache), and only when a bundle is met.
    let bundle_args = std::cell::OnceCell::new();
    let mut verdicts = Vec::new();
    for f in found {
        let signed_kind = f.source == "cosign-att"
            || ArtifactKind::from_artifact_type(&f.artifact_type)
                .is_some_and(ArtifactKind::is_signed);
        if !signed_kind {
            continue;
        }
        let mut verdict = Verdict {
            source: f.source,
            digest: f.digest,
            artifact_type: f.artifact_type.clone(),
            passed: false,
            predicate_type: f.predicate_type.clone(),
            key_ids: Vec::new(),
            reason: f.refused.clone(),
        };
        if let Some(payload) = &f.payload {
            let name = format!("{} {}", named(shown, &digest), f.digest);
            match verify_one(args, &bundle_args, &name, payload, &keys, &constraints) {
                Ok(key_ids) => {
                    verdict.passed = true;
                    verdict.key_ids = key_ids;
                }
                Err(reason) => verdict.reason = Some(reason),
            }
        }
        verdicts.push(verdict);
    }
    let passed = verdicts.iter().filter(|v| v.passed).count();
    let out = if args.json {
        #[derive(Serialize)]
        struct Report<'a> {
            image: String,
            passed: usize,
            attestations: &'a [Verdict],
        }
        let mut bytes = stella_core::canonical::to_canonical_vec(&Report {
            image: digest.to_string(),
            passed,
            attestations: &verdicts,
        })
        .map_err(|e| CliError::library(shown, e))?;
        bytes.push(b'\n');
        bytes
    } else {
        let mut text = format!("image {}\n", named(shown, &digest));
        for v in &verdicts {
            text.push_str(&format!(
                "{} {:<10} {} {}{}{}\n",
                if v.passed { "PASS" } else { "FAIL" },
                v.source,
                v.digest,
                v.predicate_type.as_deref().unwrap_or(&v.artifact_type),
                if v.key_ids.is_empty() {
                    String::new()
                } else {
                    format!(" signed by {}", v.key_ids.join(","))
                },
                v.reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default(),
            ));
        }
        text.push_str(&format!("{passed} of {} verified\n", verdicts.len()));
        text.into_bytes()
    };
    write_output(None, &out)?;
    Ok(if passed > 0 {
        Outcome::Ok
    } else {
        Outcome::Deny
    })
}

/// Verifies one payload (a DSSE envelope or a Sigstore bundle): the verified key ids, or why not.
fn verify_one(
    args: &super::verify::Args,
    bundle_args: &std::cell::OnceCell<super::verify_bundle::BundleArgs>,
    name: &str,
    payload: &[u8],
    keys: &[stella_attest::keys::PublicKey],
    constraints: &Constraints,
) -> Result<Vec<String>, String> {
    match Input::detect(name, payload).map_err(|e| e.to_string())? {
        Input::Envelope(envelope) => {
            if keys.is_empty() {
                return Err("a DSSE envelope is verified with --key".to_owned());
            }
            let keyring = super::verify::envelope_keyring(keys.to_vec(), constraints)
                .map_err(|e| e.to_string())?;
            match super::verify::verify_envelope(constraints, &envelope, &keyring) {
                Ok(summary) => Ok(summary.key_ids),
                Err(e) if is_verification_failure(&e) => Err(e.to_string()),
                Err(e) => Err(format!("not verifiable: {e}")),
            }
        }
        Input::Bundle(bundle) => {
            let bundle_args = bundle_args.get_or_init(|| {
                let mut bundle_args = args.bundle.clone();
                if let Ok(Some(path)) = super::tuf::trusted_root_file(&args.tuf) {
                    bundle_args.trusted_root = Some(path);
                }
                bundle_args
            });
            match super::verify_bundle::run(
                &bundle,
                keys,
                bundle_args,
                constraints,
                args.json,
                name,
            ) {
                Ok(Outcome::Ok) => Ok(Vec::new()),
                Ok(Outcome::Deny) => Err("bundle did not verify (see above)".to_owned()),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}
