//! The OCI artifact parsers over arbitrary registry bytes (an artifact or cosign manifest, a
//! referrers index from the API or the tag schema): never panic, and what parses re-serializes
//! to bytes that parse to the same value (the tag-schema update writes what it read).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::oci_artifact::{ArtifactLimits, ArtifactManifest, ReferrersIndex};

fuzz_target!(|data: &[u8]| {
    let limits = ArtifactLimits::default();
    if let Ok(m) = ArtifactManifest::parse(data, &limits) {
        let _ = m.kind();
        let _ = m.payload_layer();
        let _ = m.check_subject(&stella_core::Digest::of(data));
    }
    if let Ok(index) = ReferrersIndex::parse(data, &limits) {
        let bytes = index.to_bytes().expect("a parsed index serializes");
        let back = ReferrersIndex::parse(&bytes, &limits).expect("written index parses");
        assert_eq!(back.to_bytes().expect("serializes"), bytes);
    }
});
