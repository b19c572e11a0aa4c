//! `stella mirror IMAGE-REF… --to oci-layout:DIR | registry:HOST/REPO [--db F] [--trust-root F]`:
//! copies images by digest (the mirrored manifest has the same digest) with every artifact
//! attached to them (OCI referrers, cosign's `.att` and `.sig`), and attaches the vulnerability
//! DB snapshot and the Sigstore trust root to each as referrers, so a machine that sees only the
//! mirror scans, verifies and gates with what it holds (`stella artifacts get` reads the DB back;
//! `stella verify registry:…` finds the attestations). See `stella::oci_mirror`.

use std::path::PathBuf;

use stella::image::registry::{RegistryOptions, RegistryRef, redact_reference};
use stella::oci::OciRepository;
use stella::oci_mirror::{
    ARTIFACT_TYPE_DB_SNAPSHOT, ARTIFACT_TYPE_TRUSTED_ROOT, LayoutSink, MirrorSink, RegistrySink,
    attach_file, mirror_image,
};

use super::{CliError, Outcome, read_input, write_output};

/// `stella mirror`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The images: `registry:HOST/REPO[:TAG|@sha256:…]`.
    #[arg(required = true)]
    pub images: Vec<String>,
    /// The destination: `oci-layout:DIR` or `registry:HOST/REPO`.
    #[arg(long)]
    pub to: String,
    /// A vulnerability DB snapshot to attach to each mirrored image.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// A Sigstore trusted root (JSON) to attach to each mirrored image.
    #[arg(long)]
    pub trust_root: Option<PathBuf>,
}

fn usage(value: &str, reason: &str) -> CliError {
    CliError::Usage {
        what: "--to",
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Runs `stella mirror`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let db = args.db.as_ref().map(|p| read_input(p)).transpose()?;
    let trust_root = args
        .trust_root
        .as_ref()
        .map(|p| read_input(p))
        .transpose()?;
    let mut layout = None;
    let mut registry = None;
    if let Some(dir) = args.to.strip_prefix("oci-layout:") {
        layout = Some(
            LayoutSink::create(std::path::Path::new(dir)).map_err(|e| CliError::library(dir, e))?,
        );
    } else if let Some(dest) = args.to.strip_prefix("registry:") {
        let reference =
            RegistryRef::parse(dest).map_err(|e| CliError::library(redact_reference(dest), e))?;
        if reference.digest.is_some()
            || dest
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':'))
        {
            return Err(usage(
                &args.to,
                "name a repository (HOST/REPO), without tag or digest",
            ));
        }
        let options = RegistryOptions::from_env().map_err(|e| CliError::library(dest, e))?;
        let repo =
            OciRepository::open(&reference, options).map_err(|e| CliError::library(dest, e))?;
        registry = Some(RegistrySink { repo });
    } else {
        return Err(usage(&args.to, "oci-layout:DIR or registry:HOST/REPO"));
    }
    let sink: &mut dyn MirrorSink = match (&mut layout, &mut registry) {
        (Some(l), _) => l,
        (None, Some(r)) => r,
        (None, None) => return Err(usage(&args.to, "no destination")),
    };
    let mut text = String::new();
    for image in &args.images {
        let target = super::artifacts::open_target(image)?;
        let report = mirror_image(&target.repo, &target.reference, sink)
            .map_err(|e| CliError::library(&target.shown, e))?;
        text.push_str(&format!(
            "mirrored {}@{}: {} manifests, {} blobs, {} referrers, {} cosign attestations{}\n",
            target.shown,
            target.subject.digest,
            report.manifests,
            report.blobs,
            report.referrers,
            report.cosign_attestations,
            if report.cosign_signatures {
                ", cosign signatures"
            } else {
                ""
            }
        ));
        for (bytes, artifact_type, title) in [
            (&db, ARTIFACT_TYPE_DB_SNAPSHOT, "vuln-db-snapshot"),
            (&trust_root, ARTIFACT_TYPE_TRUSTED_ROOT, "trusted-root"),
        ] {
            if let Some(bytes) = bytes {
                let digest = attach_file(sink, &target.subject, artifact_type, bytes, title)
                    .map_err(|e| CliError::library(&args.to, e))?;
                text.push_str(&format!("attached {title} {digest}\n"));
            }
        }
    }
    if let Some(l) = &mut layout {
        l.finish().map_err(|e| CliError::library(&args.to, e))?;
    }
    write_output(None, text.as_bytes())?;
    Ok(Outcome::Ok)
}
