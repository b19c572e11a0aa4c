//! Scanning an opened image for vulnerabilities: the composition `stella scan` and the bindings
//! share (catalog the image with the entry-trace collector, trace from the entrypoint, match
//! against a snapshot, attach each finding's chain, build the findings document).
//!
//! ```no_run
//! use stella::image::{ImageRef, open_image};
//! use stella::scan::{findings_document, scan_opened_image};
//! use stella_vuln::report::OutputFormat;
//! use stella_vuln::snapshot::Snapshot;
//!
//! let opened = open_image(&ImageRef::parse("oci-archive:image.tar")?)?;
//! let scanned = scan_opened_image(&opened, "image.tar", None)?;
//! let snapshot = Snapshot::load(std::fs::read("db.snapshot")?)?;
//! let doc = findings_document("image.tar", scanned, None, &snapshot)?;
//! let sarif = doc.render(OutputFormat::Sarif)?;
//! # let _ = sarif;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use stella_core::Digest;
use stella_scan::engine::{ImageScan, ScanOptions, scan_image_detailed, scan_rootfs};
use stella_scan::entrytrace::{TraceCollector, TraceLimits, TraceReport, trace_scan};
use stella_scan::image::Platform;
use stella_scan::{OsRelease, Package, ScanError};
use stella_vuln::VulnError;
use stella_vuln::matcher::match_packages;
use stella_vuln::reachability::apply_to_findings;
use stella_vuln::report::{DbRef, FindingsDocument, ScanTarget};
use stella_vuln::snapshot::Snapshot;

use crate::image::OpenedImage;

/// What scanning an image found: its packages, OS release, manifest digest and entry-trace.
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
}

/// Catalogs an opened image with the default catalogers plus the entry-trace collector, and
/// traces from its entrypoint. `name` is the image's name in the results.
pub fn scan_opened_image(
    opened: &OpenedImage,
    name: &str,
    platform: Option<Platform>,
) -> Result<ScannedImage, ScanError> {
    let collector = TraceCollector::new();
    let mut catalogers = stella_scan::catalog::default_catalogers();
    catalogers.push(collector.cataloger());
    let options = ScanOptions {
        platform,
        name: Some(name.to_owned()),
        ..ScanOptions::default()
    };
    let scan: ImageScan = match opened {
        OpenedImage::Image(source) => scan_image_detailed(source.as_ref(), &catalogers, &options),
        OpenedImage::Rootfs(dir) => scan_rootfs(dir, &catalogers, &options),
    }?;
    let trace = match scan.image {
        Some(_) => Some(trace_scan(&scan, &collector, &TraceLimits::default())?),
        None => None,
    };
    Ok(ScannedImage {
        packages: scan.sbom.packages,
        os: scan.sbom.os,
        image_digest: scan.sbom.image.manifest_digest,
        trace,
    })
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
    let mut report = match_packages(snapshot, &scanned.packages, scanned.os.as_ref())?;
    if let Some(trace) = &scanned.trace {
        apply_to_findings(&mut report.findings, trace);
    }
    Ok(FindingsDocument::new(
        ScanTarget {
            name: name.to_owned(),
            image_digest: scanned.image_digest,
            sbom_digest,
            os: scanned.os,
        },
        DbRef::of(snapshot),
        report,
    ))
}
