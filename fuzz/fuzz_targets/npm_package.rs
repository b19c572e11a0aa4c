//! The npm cataloger over an arbitrary installed `package.json` and `package-lock.json`
//! (the first byte splits the input): never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::npm::NpmCataloger;
use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};

fuzz_target!(|data: &[u8]| {
    let split = usize::from(data.first().copied().unwrap_or(0)).min(data.len());
    let (a, b) = data.split_at(split);
    let file = |path: &str, d: &[u8]| ExtractedFile {
        path: path.into(),
        layer: None,
        mode: 0o644,
        data: d.into(),
    };
    let files = [
        file("app/node_modules/x/package.json", a),
        file("app/package-lock.json", b),
    ];
    let context = CatalogContext::default();
    let _ = NpmCataloger.catalog(&CatalogInput {
        files: &files,
        context: &context,
        exists: &|_| true,
    });
});
