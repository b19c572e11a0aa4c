//! Findings input for VEX generation (SARIF 2.1.0 logs and Stella findings JSON) from arbitrary
//! bytes: never panics; every finding read has a non-empty vulnerability id, and the format
//! probe agrees with the reader it dispatches to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::canonical::JsonLimits;
use stella_vex::{findings_from_json, findings_from_sarif, read_findings};

fuzz_target!(|data: &[u8]| {
    let limits = JsonLimits::default();
    let sarif = findings_from_sarif(data, &limits);
    let json = findings_from_json(data, &limits);
    if let Ok(found) = read_findings(data, &limits) {
        assert!(found.iter().all(|f| !f.vulnerability.is_empty()));
        let same = match (&sarif, &json) {
            (Ok(s), _) if *s == found => true,
            (_, Ok(j)) if *j == found => true,
            _ => false,
        };
        assert!(same, "read_findings disagrees with both readers");
    }
});
