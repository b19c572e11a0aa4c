//! The layer walk over arbitrary bytes (plain, gzip or zstd by magic): never panics, stays
//! within its limits, and every entry path it returns is normalized (no `..`, no leading `/`);
//! merged into a [`FileTree`] (entries placed through links), every path stays inside the root.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use stella_scan::ScanLimits;
use stella_scan::image::FileTree;
use stella_scan::image::layer::{WalkBudget, walk_layer};

fuzz_target!(|data: &[u8]| {
    let limits = ScanLimits {
        max_layer_bytes: 4 << 20,
        max_image_bytes: 4 << 20,
        max_entries: 10_000,
        ..ScanLimits::default()
    };
    let budget = WalkBudget::default();
    let mut raw = data;
    let result = walk_layer(&mut raw, "fuzz", &limits, &budget, &mut |_, reader| {
        let mut buf = Vec::new();
        let _ = reader.take(64 * 1024).read_to_end(&mut buf);
        Ok(())
    });
    if let Ok(listing) = result {
        assert!(listing.decompressed_bytes <= limits.max_layer_bytes);
        for e in &listing.entries {
            assert!(!e.path.starts_with('/'));
            assert!(e.path.split('/').all(|c| c != ".." && c != "."));
        }
        // Merged as extraction would (entries placed through links): every path stays a
        // normalized path inside the root, and naming files through links stays bounded.
        let mut tree = FileTree::with_link_hops(100_000);
        if tree.apply_layer(0, &listing.entries).is_ok() {
            for (path, _) in tree.iter() {
                assert!(!path.is_empty() && !path.starts_with('/'));
                assert!(path.split('/').all(|c| !matches!(c, "" | "." | "..")));
            }
            let index = tree.alias_index(40);
            let mut budget = 10_000;
            for (path, _) in tree.iter().take(64) {
                if index.aliases(path, &mut budget, 10_000).is_err() {
                    break;
                }
            }
        }
    }
});
