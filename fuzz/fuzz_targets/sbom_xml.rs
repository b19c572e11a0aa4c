//! CycloneDX XML SBOM input from arbitrary bytes (forced onto the XML path): never panics, a
//! document read is reported as CycloneDX XML with its packages sorted, strictly or leniently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::sbom_input::{SbomFormat, Validation, read_sbom_with};

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::with_capacity(data.len() + 1);
    if data.first() != Some(&b'<') {
        bytes.push(b'<');
    }
    bytes.extend_from_slice(data);
    for validation in [Validation::Strict, Validation::Lenient] {
        if let Ok(input) = read_sbom_with(&bytes, validation) {
            assert_eq!(input.format, SbomFormat::CycloneDxXml);
            assert!(
                input
                    .packages
                    .windows(2)
                    .all(|w| w[0].sort_key() <= w[1].sort_key())
            );
        }
    }
});
