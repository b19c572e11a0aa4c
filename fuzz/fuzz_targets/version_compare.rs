//! Version orders on arbitrary text: for every scheme, parsing never panics, a version equals
//! itself, and comparing two versions gives opposite answers both ways round. Where the
//! reference order is transitive (dpkg, npm, Go, crates.io, PEP 440, RubyGems) a third version
//! checks transitivity too; Maven's `ComparableVersion` and apk's invalid versions are not
//! transitive in the reference itself, so only antisymmetry is asserted for them (and RPM,
//! whose `rpmvercmp` has no transitivity guarantee either).
#![no_main]

use std::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use stella_vuln::version::{Scheme, Version};

const SCHEMES: [(Scheme, bool); 9] = [
    (Scheme::Dpkg, true),
    (Scheme::Rpm, false),
    (Scheme::Apk, false),
    (Scheme::Pep440, true),
    (Scheme::Npm, true),
    (Scheme::Go, true),
    (Scheme::Cargo, true),
    (Scheme::Maven, false),
    (Scheme::RubyGems, true),
];

fn cmp(a: &Version, b: &Version) -> Ordering {
    let ab = a.compare(b).unwrap();
    assert_eq!(ab, b.compare(a).unwrap().reverse(), "antisymmetry");
    ab
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Three versions separated by newlines (missing ones repeat the first).
    let mut parts = text.splitn(3, '\n');
    let a = parts.next().unwrap_or("");
    let b = parts.next().unwrap_or(a);
    let c = parts.next().unwrap_or(a);
    for (scheme, transitive) in SCHEMES {
        let parsed: Vec<Option<Version>> = [a, b, c].iter().map(|t| scheme.parse(t).ok()).collect();
        for v in parsed.iter().flatten() {
            assert_eq!(v.compare(v), Some(Ordering::Equal), "{scheme:?} reflexive");
        }
        if let [Some(x), Some(y), Some(z)] = parsed.as_slice() {
            let (xy, yz, xz) = (cmp(x, y), cmp(y, z), cmp(x, z));
            if transitive {
                if xy != Ordering::Greater && yz != Ordering::Greater {
                    assert_ne!(xz, Ordering::Greater, "{scheme:?} transitivity {a:?} {b:?} {c:?}");
                }
                if xy != Ordering::Less && yz != Ordering::Less {
                    assert_ne!(xz, Ordering::Less, "{scheme:?} transitivity {a:?} {b:?} {c:?}");
                }
            }
        }
    }
});
