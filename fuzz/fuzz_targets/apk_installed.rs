//! The apk cataloger over an arbitrary `lib/apk/db/installed`: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::apk::ApkCataloger;
use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};

fuzz_target!(|data: &[u8]| {
    let files = [ExtractedFile {
        path: "lib/apk/db/installed".into(),
        layer: None,
        mode: 0o644,
        data: data.into(),
    }];
    let context = CatalogContext::default();
    let _ = ApkCataloger.catalog(&CatalogInput {
        files: &files,
        context: &context,
        exists: &|_| true,
    });
});
