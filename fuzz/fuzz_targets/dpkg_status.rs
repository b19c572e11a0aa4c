//! The dpkg cataloger over an arbitrary `var/lib/dpkg/status`: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::dpkg::DpkgCataloger;
use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};

fuzz_target!(|data: &[u8]| {
    let files = [ExtractedFile {
        path: "var/lib/dpkg/status".into(),
        layer: None,
        mode: 0o644,
        data: data.into(),
    }];
    let context = CatalogContext::default();
    let _ = DpkgCataloger.catalog(&CatalogInput {
        files: &files,
        context: &context,
        exists: &|_| true,
    });
});
