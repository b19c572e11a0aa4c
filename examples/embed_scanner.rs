//! Embed the scanner behind your own `ImageSource`.
//!
//! A scanner vendor already has images somewhere (a registry cache, a database, an object
//! store). Implement the core's three-method `ImageSource` over it, and Stella Ops reads the
//! image from there — every blob verified against its digest by the scanner, whatever the
//! source claims. Here the "storage" is a map of blobs with a counter of bytes served, and the
//! image is the `stella run --demo` image.
//!
//! Run: `cargo run -p stella-examples --bin embed-scanner`

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use stella_core::{CoreError, Descriptor, Digest, ImageSource, VerifyingReader};
use stella_scan::catalog::default_catalogers;
use stella_scan::engine::{ScanOptions, scan_image_detailed};
use stella_scan::sbom::{WriteOptions, cyclonedx};

/// Your storage: blobs by digest, plus the root descriptor.
#[derive(Debug)]
struct MyBlobCache {
    root: Descriptor,
    blobs: BTreeMap<Digest, Vec<u8>>,
    served: AtomicU64,
}

impl ImageSource for MyBlobCache {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(self.root.clone())
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let bytes = self
            .blobs
            .get(digest)
            .ok_or(CoreError::NotFound { digest: *digest })?;
        self.served.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        // The ImageSource contract: never hand out bytes that do not match their name.
        digest.verify(bytes)?;
        Ok(bytes.clone())
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        let bytes = self
            .blobs
            .get(digest)
            .ok_or(CoreError::NotFound { digest: *digest })?;
        self.served.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        // Streamed blobs are checked as they are read: the stream fails at its end on a
        // mismatch.
        Ok(Box::new(VerifyingReader::new(
            bytes.as_slice(),
            *digest,
            Some(bytes.len() as u64),
        )))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let image = stella_demo::image();
    let source = MyBlobCache {
        root: image.root.clone(),
        blobs: image.blobs.clone(),
        served: AtomicU64::new(0),
    };

    let catalogers = default_catalogers();
    let scan = scan_image_detailed(&source, &catalogers, &ScanOptions::default())?;
    let sbom = cyclonedx::write(
        &scan.sbom,
        &WriteOptions {
            timestamp: stella_core::Timestamp::parse_rfc3339(stella_demo::DEMO_TIME)?,
            tool_name: "embed-scanner-example".into(),
            tool_version: "1.0".into(),
        },
    )?;

    println!(
        "image {}",
        scan.sbom
            .image
            .manifest_digest
            .map_or_else(|| "(no digest)".to_owned(), |d| d.to_string())
    );
    for p in &scan.sbom.packages {
        println!("  {} {} ({})", p.name, p.version, p.purl);
    }
    println!(
        "{} packages; CycloneDX {} bytes, {}; {} bytes read from MyBlobCache",
        scan.sbom.packages.len(),
        sbom.len(),
        Digest::of(&sbom),
        source.served.load(Ordering::Relaxed)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(blobs: BTreeMap<Digest, Vec<u8>>) -> MyBlobCache {
        MyBlobCache {
            root: stella_demo::image().root,
            blobs,
            served: AtomicU64::new(0),
        }
    }

    #[test]
    fn my_blob_cache_keeps_the_image_source_contract() {
        let image = stella_demo::image();
        let seen = stella_core::testing::check_image_source(&cache(image.blobs.clone()));
        assert_eq!(seen, image.blobs.keys().copied().collect());
        // Bytes changed in the storage under their digest are refused.
        let config = image.images[0].config.digest;
        let mut blobs = image.blobs.clone();
        blobs.insert(config, b"{}".to_vec());
        stella_core::testing::check_image_source_rejects(&cache(blobs), &config);
    }
}
