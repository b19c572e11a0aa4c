//! Image configs and manifests parsed directly from arbitrary bytes (the strict parser, then the
//! typed model): never panics, and whatever parses re-serializes canonically and re-parses to
//! the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::canonical;
use stella_scan::image::{ImageConfig, ImageIndex, ImageManifest};

fn round_trip<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = canonical::from_slice_strict::<T>(data) {
        let bytes = canonical::to_canonical_vec(&value).expect("a parsed value serializes");
        let again: T = canonical::from_slice_strict(&bytes).expect("our own output parses");
        assert_eq!(again, value, "parse(write(x)) != x");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<ImageConfig>(data);
    round_trip::<ImageManifest>(data);
    round_trip::<ImageIndex>(data);
});
