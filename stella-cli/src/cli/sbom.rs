//! `stella sbom IMAGE [-o cyclonedx-json|cyclonedx-xml|spdx-json|spdx-2.3-json] [--output-file F]
//! [--platform os/arch]`.
//!
//! IMAGE is an OCI layout directory, an OCI or docker-save archive, or a root filesystem
//! directory (detected), or `oci-dir:P`, `oci-archive:P`, `docker-archive:P`, `dir:P`.
//!
//! The document's timestamp comes from `SOURCE_DATE_EPOCH` when set, else from the image
//! config's `created` (so the same image gives the same bytes), else from the system clock
//! (a root filesystem directory has no creation time of its own).
//!
//! `--cache-dir DIR` keeps each layer's phase-1 result, and the result of each image's whole
//! chain of layers, in a write-once blob store under `DIR`: a rescan of the same layers reads
//! no layer and merges nothing, a rescan of an image sharing some layers reads only the others
//! (a cache hit never changes the output).
//!
//! The image is named in the SBOM without local filesystem paths (`--name`, else the registry
//! reference, the OCI layout's `org.opencontainers.image.ref.name`, a docker archive's first
//! `RepoTags` entry, else the manifest digest; `rootfs` for a directory): see
//! [`stella::image::sbom_image_name`].
//!
//! `--quality` prints, on stderr, the NTIA minimum-element coverage of the document
//! ([`stella_scan::sbom::quality::Quality`]).

use std::path::{Path, PathBuf};

use clap::{Args as ClapArgs, ValueEnum};
use stella::scan::{ScanRequest, catalog};
use stella::store::FsBlobStore;
use stella_core::{Digest, Timestamp};
use stella_scan::image::ResolvedImage;
use stella_scan::sbom::{WriteOptions, cyclonedx, cyclonedx_xml, spdx, spdx23};
use stella_scan::{LayerCache, ScanError};

use super::{CliError, Outcome, write_output};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CycloneDX 1.6 JSON.
    #[value(name = "cyclonedx-json")]
    CycloneDxJson,
    /// SPDX 3.0.1 JSON-LD.
    #[value(name = "spdx-json")]
    SpdxJson,
    /// CycloneDX 1.6 XML (the same document as cyclonedx-json).
    #[value(name = "cyclonedx-xml")]
    CycloneDxXml,
    /// SPDX 2.3 JSON.
    #[value(name = "spdx-2.3-json")]
    Spdx23Json,
}

/// Arguments of `stella sbom`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The image: a path (OCI layout dir, OCI archive, docker-save archive, root filesystem
    /// dir) or oci-dir:P, oci-archive:P, docker-archive:P, dir:P.
    pub image: String,
    /// Output format.
    #[arg(
        short = 'o',
        long = "output",
        value_enum,
        default_value = "cyclonedx-json"
    )]
    pub output: Format,
    /// Write the document to this file (atomically) instead of stdout.
    #[arg(long = "output-file")]
    pub output_file: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (os/arch[/variant]; default linux/amd64).
    #[arg(long)]
    pub platform: Option<String>,
    /// Keep per-layer results in this directory (a write-once blob store plus the file
    /// `layer-cache-index` naming the current index blob), so rescans of images sharing layers
    /// read only the new layers.
    #[arg(long = "cache-dir")]
    pub cache_dir: Option<PathBuf>,
    /// The image's name in the SBOM (`metadata.component.name`), e.g. `registry.example/app:1.2`;
    /// default: the registry reference, the OCI layout's ref.name annotation, the docker
    /// archive's tag, else the manifest digest (never a local path).
    #[arg(long = "name")]
    pub name: Option<String>,
    /// Print the NTIA minimum-element coverage of the SBOM on stderr (supplier, name, version,
    /// unique id, relationships per component; author and timestamp of the document).
    #[arg(long = "quality")]
    pub quality: bool,
}

/// The SBOM's name for an opened image argument ([`stella::image::sbom_image_name`]) and its
/// repository URL. Without a name of its own, an image is named by its manifest digest
/// (`manifest`, else resolved now: index and manifest only), a root filesystem `rootfs`.
pub(crate) fn image_name(
    arg: &super::ImageArg,
    platform: Option<&stella_scan::image::Platform>,
    chosen: Option<&str>,
) -> Result<(String, Option<String>), CliError> {
    use stella::image::OpenedImage;
    let manifest = match &arg.opened {
        OpenedImage::Image(source) => Some(
            stella_scan::image::resolve(
                source.as_ref(),
                platform,
                &stella_scan::ScanLimits::default(),
            )
            .map_err(|e| CliError::library(&arg.shown, e))?
            .manifest_digest,
        ),
        OpenedImage::Rootfs(_) => None,
    };
    let named =
        stella::image::sbom_image_name(&arg.reference, &arg.opened, manifest.as_ref(), chosen);
    let name = named
        .name
        .unwrap_or_else(|| manifest.map_or_else(|| "rootfs".to_owned(), |d| d.to_string()));
    Ok((name, named.repository_url))
}

/// The file in a cache directory that names the current layer-cache index blob.
const CACHE_INDEX_FILE: &str = "layer-cache-index";

/// Opens the layer cache kept in `dir`; an unreadable index starts an empty cache (the cache
/// is only an accelerator), and says so on stderr.
fn open_cache<'a>(dir: &Path, store: &'a FsBlobStore) -> LayerCache<'a> {
    let pointer = dir.join(CACHE_INDEX_FILE);
    let Ok(text) = stella::files::read_regular(&pointer, 4096).map(String::from_utf8) else {
        return LayerCache::new(store);
    };
    let Ok(text) = text else {
        return LayerCache::new(store);
    };
    match Digest::parse(text.trim())
        .map_err(ScanError::from)
        .and_then(|d| LayerCache::open(store, &d))
    {
        Ok(cache) => cache,
        Err(e) => {
            eprintln!(
                "stella: warning: {}: {e}; starting an empty layer cache",
                pointer.display()
            );
            LayerCache::new(store)
        }
    }
}

fn timestamp(image: Option<&ResolvedImage>) -> Result<Timestamp, CliError> {
    if let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") {
        let seconds: i64 = text.trim().parse().map_err(|e| CliError::Usage {
            what: "SOURCE_DATE_EPOCH",
            value: text.clone(),
            reason: format!("{e}"),
        })?;
        return Timestamp::from_unix_seconds(seconds).map_err(|e| CliError::Usage {
            what: "SOURCE_DATE_EPOCH",
            value: text.clone(),
            reason: e.to_string(),
        });
    }
    if let Some(created) = image
        .and_then(|i| i.config.created.as_deref())
        .and_then(|c| Timestamp::parse_rfc3339(c).ok())
    {
        return Ok(created);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    Timestamp::from_unix_nanos(nanos).map_err(|e| CliError::library("system clock", e))
}

/// Runs `stella sbom`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let platform = super::parse_platform(args.platform.as_deref())?;
    let arg = super::open_image_arg(&args.image)?;
    let (name, repository_url) = image_name(&arg, platform.as_ref(), args.name.as_deref())?;
    let super::ImageArg {
        opened,
        shown: input,
        ..
    } = arg;
    let store = match &args.cache_dir {
        Some(dir) => Some(
            FsBlobStore::open(dir)
                .map_err(|e| CliError::library(format!("cache directory {}", dir.display()), e))?,
        ),
        None => None,
    };
    let cache = match (&args.cache_dir, &store) {
        (Some(dir), Some(store)) => Some(open_cache(dir, store)),
        _ => None,
    };
    // No entry-trace: the merged tree is not needed, so the chain cache can answer.
    let request = ScanRequest {
        name,
        platform,
        cache: cache.as_ref(),
        entry_trace: false,
        repository_url,
    };
    let cataloged = catalog(&opened, &request).map_err(|e| CliError::library(&input, e))?;
    if let (Some(dir), Some(cache)) = (&args.cache_dir, &cache) {
        let context = |e| CliError::library(format!("cache directory {}", dir.display()), e);
        let index = cache.save().map_err(context)?;
        let line = format!("{index}\n");
        let path = dir.join(CACHE_INDEX_FILE);
        // A rescan that added nothing leaves the index as it was (no rewrite, no fsync).
        if stella::files::read_regular(&path, 4096).ok().as_deref() != Some(line.as_bytes()) {
            write_output(Some(&path), line.as_bytes())?;
        }
    }
    let write_options = WriteOptions {
        timestamp: timestamp(cataloged.image())?,
        tool_name: "stella".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
    };
    let sbom = cataloged.sbom();
    let bytes = match args.output {
        Format::CycloneDxJson => cyclonedx::write(sbom, &write_options),
        Format::SpdxJson => spdx::write(sbom, &write_options),
        Format::CycloneDxXml => cyclonedx_xml::write(sbom, &write_options),
        Format::Spdx23Json => spdx23::write(sbom, &write_options),
    }
    .map_err(|e| CliError::library(&input, e))?;
    write_output(args.output_file.as_deref(), &bytes)?;
    if args.quality {
        let q = stella_scan::sbom::quality::Quality::of(sbom);
        eprint!("{}", q.render());
    }
    Ok(Outcome::Ok)
}
