//! SBOM input (CycloneDX 1.3–1.6, SPDX 2.3, SPDX 3.0.1) from arbitrary bytes: never panics, and
//! the packages read are sorted by their stable key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::sbom_input::read_sbom;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = read_sbom(data) {
        assert!(
            input
                .packages
                .windows(2)
                .all(|w| w[0].sort_key() <= w[1].sort_key())
        );
    }
});
