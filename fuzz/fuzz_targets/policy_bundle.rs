//! OPA bundles on untrusted bytes: the `.tar.gz` reader (gzip, tar, names, links, limits), the
//! `.manifest`, `data.json`/`data.yaml` placement and merge, and the roots check; the same bytes
//! also as a `data.yaml` file beside a module. Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_policy::{Bundle, BundleLimits};

fuzz_target!(|data: &[u8]| {
    let limits = BundleLimits {
        max_archive_bytes: 4 << 20,
        ..BundleLimits::default()
    };
    if let Ok(bundle) = Bundle::from_tar_gz(data, None, &limits) {
        // A bundle that loads names every module once, sorted.
        let names: Vec<&str> = bundle.modules().iter().map(|m| m.name()).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }
    let _ = Bundle::from_files(
        [
            ("p.rego", &b"package p\nx := 1\n"[..]),
            ("a/b/data.yaml", data),
        ],
        None,
    );
});
