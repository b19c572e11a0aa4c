//! Image index / manifest / config resolution over arbitrary bytes: never panics, and an
//! accepted image names a config and layers that the source really holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::{MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST, MemoryImageSource};
use stella_scan::ScanLimits;
use stella_scan::image::resolve;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the root's media type; the rest is the root blob. A config blob of
    // `{}` is always present so manifests that name it resolve further.
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let mut source = MemoryImageSource::new();
    source.add_blob(b"{}".to_vec());
    let root = source.add_blob(body.to_vec());
    let media_type = match kind % 3 {
        0 => MEDIA_TYPE_OCI_INDEX,
        1 => MEDIA_TYPE_OCI_MANIFEST,
        _ => "application/octet-stream",
    };
    source.set_root(media_type, root);
    let limits = ScanLimits {
        max_metadata_bytes: 1 << 20,
        ..ScanLimits::default()
    };
    if let Ok(image) = resolve(&source, None, &limits) {
        assert_eq!(image.layers.len(), image.manifest.layers.len());
    }
});
