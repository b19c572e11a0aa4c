//! The one scan composition every caller shares — the pipeline's SBOM and scan steps, `stella
//! sbom` and `stella scan`, and the bindings: catalog an [`OpenedImage`] with the default
//! catalogers ([`catalog`]), optionally with the entry-trace collector riding along; trace from
//! the image's entrypoint ([`Cataloged::trace`]); match against a snapshot, attach each
//! finding's chain and build the findings document ([`Cataloged::findings`],
//! [`findings_document`]).
//!
//! ```no_run
//! use stella::image::{ImageRef, open_image};
//! use stella::scan::{ScanRequest, catalog};
//! use stella_vuln::report::OutputFormat;
//! use stella_vuln::snapshot::Snapshot;
//!
//! let opened = open_image(&ImageRef::parse("oci-archive:image.tar")?)?;
//! let cataloged = catalog(&opened, &ScanRequest::traced("image.tar", None))?;
//! let snapshot = Snapshot::load(std::fs::read("db.snapshot")?)?;
//! let doc = cataloged.findings("image.tar", None, &snapshot)?;
//! let sarif = doc.render(OutputFormat::Sarif)?;
//! # let _ = sarif;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use stella_core::Digest;
use stella_scan::engine::{
    ImageSbom, ImageScan, ScanOptions, scan_image_detailed, scan_image_sbom, scan_rootfs,
};
use stella_scan::entrytrace::{TraceCollector, TraceLimits, TraceReport, trace_scan};
use stella_scan::image::{Platform, ResolvedImage};
use stella_scan::sbom_input::SbomInput;
use stella_scan::symbols::{SymbolCollector, SymbolMap};
use stella_scan::{LayerCache, OsRelease, Package, Sbom, ScanError};
use stella_vuln::VulnError;
use stella_vuln::matcher::match_packages;
use stella_vuln::reachability::apply_to_findings;
use stella_vuln::report::{DbRef, FindingsDocument, ScanTarget};
use stella_vuln::snapshot::Snapshot;
use stella_vuln::symbols::apply_symbols;

use crate::image::OpenedImage;

/// What to catalog an image for: its name in the results, the platform, a layer cache, and
/// whether to collect what the entry-trace needs.
///
/// ```
/// let request = stella::scan::ScanRequest::traced("app.tar", None);
/// assert!(request.entry_trace && request.cache.is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScanRequest<'a> {
    /// The image's name in the results (the input as given).
    pub name: String,
    /// Platform to pick from a multi-platform image (default linux/amd64).
    pub platform: Option<Platform>,
    /// A layer cache, when phase-1 results should be reused and stored.
    pub cache: Option<&'a LayerCache<'a>>,
    /// Catalog with the entry-trace and symbol-table collectors too and keep the merged tree,
    /// so that [`Cataloged::trace`] can trace from the entrypoint and Go/Rust binary findings
    /// get symbol-level evidence (`stella_vuln::symbols`). Without it an image's SBOM may be
    /// answered by the cache's chain entry without merging any layer.
    pub entry_trace: bool,
    /// `HOST/REPOSITORY` of a registry image, recorded in the SBOM's image (the purl
    /// `repository_url` qualifier); `None` when the image did not come from a registry.
    pub repository_url: Option<String>,
}

impl ScanRequest<'_> {
    /// A request with the entry-trace collector, no cache.
    pub fn traced(name: impl Into<String>, platform: Option<Platform>) -> Self {
        Self {
            name: name.into(),
            platform,
            cache: None,
            entry_trace: true,
            repository_url: None,
        }
    }
}

/// What cataloging an image found: its SBOM, its resolved image, and — when the request asked
/// for the entry-trace — what tracing needs.
#[derive(Debug)]
pub struct Cataloged {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    /// The engine's full result (with the merged tree), and the collector when asked for.
    Detailed {
        scan: ImageScan,
        collector: Option<TraceCollector>,
        symbols: Option<SymbolCollector>,
    },
    /// An image's SBOM only (the chain cache may have answered it).
    Sbom(ImageSbom),
}

/// Catalogs an opened image with the default catalogers (plus the entry-trace collector when
/// the request asks for it): the one scan entry of the pipeline, the command line and the
/// bindings.
pub fn catalog(input: &OpenedImage, request: &ScanRequest<'_>) -> Result<Cataloged, ScanError> {
    let mut catalogers = stella_scan::catalog::default_catalogers();
    let collector = request.entry_trace.then(TraceCollector::new);
    let symbols = request.entry_trace.then(SymbolCollector::new);
    if let Some(collector) = &collector {
        catalogers.push(collector.cataloger());
    }
    if let Some(symbols) = &symbols {
        catalogers.push(symbols.cataloger());
    }
    let options = ScanOptions {
        platform: request.platform.clone(),
        name: Some(request.name.clone()),
        cache: request.cache,
        ..ScanOptions::default()
    };
    let mut inner = match input {
        // Without the trace the merged tree is not needed, so the chain cache may answer.
        OpenedImage::Image(source) if collector.is_none() => {
            Inner::Sbom(scan_image_sbom(source.as_ref(), &catalogers, &options)?)
        }
        OpenedImage::Image(source) => Inner::Detailed {
            scan: scan_image_detailed(source.as_ref(), &catalogers, &options)?,
            collector,
            symbols,
        },
        OpenedImage::Rootfs(dir) => Inner::Detailed {
            scan: scan_rootfs(dir, &catalogers, &options)?,
            collector,
            symbols,
        },
    };
    if let Some(url) = &request.repository_url {
        let sbom = match &mut inner {
            Inner::Detailed { scan, .. } => &mut scan.sbom,
            Inner::Sbom(s) => &mut s.sbom,
        };
        sbom.image.repository_url = Some(url.clone());
    }
    Ok(Cataloged { inner })
}

impl Cataloged {
    /// The SBOM.
    pub fn sbom(&self) -> &Sbom {
        match &self.inner {
            Inner::Detailed { scan, .. } => &scan.sbom,
            Inner::Sbom(s) => &s.sbom,
        }
    }

    /// The resolved image (`None` for a root filesystem directory).
    pub fn image(&self) -> Option<&ResolvedImage> {
        match &self.inner {
            Inner::Detailed { scan, .. } => scan.image.as_ref(),
            Inner::Sbom(s) => Some(&s.image),
        }
    }

    /// The entry-trace from the image config's entrypoint over the merged tree: `None` for a
    /// root filesystem directory (no config) or when the request did not ask for it.
    pub fn trace(&self) -> Result<Option<TraceReport>, ScanError> {
        match &self.inner {
            Inner::Detailed {
                scan,
                collector: Some(collector),
                ..
            } if scan.image.is_some() => {
                trace_scan(scan, collector, &TraceLimits::default()).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The symbol tables of the image's Go and Rust binaries, when the request asked for the
    /// entry-trace (which collects them too).
    pub fn symbols(&self) -> Option<Arc<SymbolMap>> {
        match &self.inner {
            Inner::Detailed {
                symbols: Some(s), ..
            } => Some(s.symbols()),
            _ => None,
        }
    }

    /// The packages, OS release, manifest digest, entry-trace (traced now) and symbol tables.
    pub fn into_scanned(self) -> Result<ScannedImage, ScanError> {
        let trace = self.trace()?;
        let symbols = self.symbols();
        let sbom = self.into_sbom();
        Ok(ScannedImage {
            packages: sbom.packages,
            os: sbom.os,
            image_digest: sbom.image.manifest_digest,
            trace,
            symbols,
        })
    }

    /// Matches the packages against a snapshot, then traces and attaches each finding's
    /// entry-trace, and builds the findings document. `sbom_digest` names the SBOM written
    /// from this scan, when one was.
    pub fn findings(
        self,
        name: &str,
        sbom_digest: Option<Digest>,
        snapshot: &Snapshot,
    ) -> Result<FindingsDocument, FindingsError> {
        let sbom = self.sbom();
        // Match before tracing: a snapshot error is reported as such, without a trace first.
        let report = match_packages(snapshot, &sbom.packages, sbom.os.as_ref())?;
        let trace = self.trace()?;
        let symbols = self.symbols();
        let sbom = self.into_sbom();
        Ok(document(
            name,
            sbom.image.manifest_digest,
            sbom_digest,
            sbom.os,
            snapshot,
            report,
            trace.as_ref(),
            symbols.as_deref(),
        )?)
    }

    fn into_sbom(self) -> Sbom {
        match self.inner {
            Inner::Detailed { scan, .. } => scan.sbom,
            Inner::Sbom(s) => s.sbom,
        }
    }
}

/// What scanning an image (or reading an SBOM) found: its packages, OS release, manifest
/// digest and entry-trace.
#[derive(Debug, Clone)]
pub struct ScannedImage {
    /// The packages of the image.
    pub packages: Vec<Package>,
    /// The OS release, when the image has one.
    pub os: Option<OsRelease>,
    /// The image's manifest digest (none for a root filesystem directory).
    pub image_digest: Option<Digest>,
    /// The entry-trace (none for a root filesystem directory, which has no entrypoint).
    pub trace: Option<TraceReport>,
    /// The symbol tables of the Go and Rust binaries (none from an SBOM, or without the
    /// entry-trace collectors).
    pub symbols: Option<Arc<SymbolMap>>,
}

impl From<SbomInput> for ScannedImage {
    /// The packages, OS release and image digest an SBOM states (an SBOM has no entry-trace).
    fn from(input: SbomInput) -> Self {
        Self {
            packages: input.packages,
            os: input.os,
            image_digest: input.image_digest,
            trace: None,
            symbols: None,
        }
    }
}

/// What [`Cataloged::findings`] fails on: the entry-trace (a scan error) or the match against
/// the snapshot (a vulnerability error), kept apart so a caller can tell which step failed.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// Tracing the image's entrypoints failed.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// Matching the packages against the snapshot failed.
    #[error(transparent)]
    Vuln(#[from] VulnError),
}

/// Matches scanned packages against a snapshot, attaches each finding's entry-trace, and
/// builds the findings document (render it as JSON, SARIF or a table). `sbom_digest` names the
/// SBOM the packages came from, when they came from one.
pub fn findings_document(
    name: &str,
    scanned: ScannedImage,
    sbom_digest: Option<Digest>,
    snapshot: &Snapshot,
) -> Result<FindingsDocument, VulnError> {
    let report = match_packages(snapshot, &scanned.packages, scanned.os.as_ref())?;
    document(
        name,
        scanned.image_digest,
        sbom_digest,
        scanned.os,
        snapshot,
        report,
        scanned.trace.as_ref(),
        scanned.symbols.as_deref(),
    )
}

/// The findings document of a match, each finding's entry-trace chain attached when there is a
/// trace, and each Go/Rust binary finding's symbol evidence when there are symbol tables.
#[allow(clippy::too_many_arguments)]
fn document(
    name: &str,
    image_digest: Option<Digest>,
    sbom_digest: Option<Digest>,
    os: Option<OsRelease>,
    snapshot: &Snapshot,
    mut report: stella_vuln::matcher::MatchReport,
    trace: Option<&TraceReport>,
    symbols: Option<&SymbolMap>,
) -> Result<FindingsDocument, VulnError> {
    if let Some(trace) = trace {
        apply_to_findings(&mut report.findings, trace);
    }
    if let Some(symbols) = symbols {
        apply_symbols(&mut report.findings, snapshot, symbols)?;
    }
    Ok(FindingsDocument::new(
        ScanTarget {
            name: name.to_owned(),
            image_digest,
            sbom_digest,
            os,
        },
        DbRef::of(snapshot),
        report,
    ))
}
