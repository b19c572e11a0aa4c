//! A Debian `usr/share/doc/<pkg>/copyright` file through the dpkg cataloger's two phases
//! (extract distils it to licences, catalog reads the record, and the raw bytes handed over
//! without phase 1): never panics, and whatever the bytes, the licences are bounded lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::dpkg::DpkgCataloger;
use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};

const STATUS: &[u8] = b"Package: p\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n";
const PATH: &str = "usr/share/doc/p/copyright";

fuzz_target!(|data: &[u8]| {
    let Ok(Some(kept)) = DpkgCataloger.extract(PATH, data) else {
        return;
    };
    let context = CatalogContext::default();
    for bytes in [kept.as_slice(), data] {
        let files = [
            ExtractedFile {
                path: PATH.into(),
                layer: None,
                mode: 0o644,
                data: bytes.into(),
            },
            ExtractedFile {
                path: "var/lib/dpkg/status".into(),
                layer: None,
                mode: 0o644,
                data: STATUS.into(),
            },
        ];
        if let Ok(pkgs) = DpkgCataloger.catalog(&CatalogInput {
            files: &files,
            context: &context,
            exists: &|_| true,
        }) {
            for p in pkgs {
                assert!(p.licenses.len() <= 64);
                assert!(p.licenses.iter().all(|l| !l.contains('\n')));
            }
        }
    }
});
