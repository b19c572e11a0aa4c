//! NVD CVE documents (API 2.0 responses, 2.0 feed files, single CVEs; gzip or not) from
//! arbitrary bytes: parsing, conversion to records and validation never panic; a record that
//! validates survives a JSON round trip unchanged (what the snapshot stores) and its severity
//! assessment stays in the CVSS range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::nvd::{gunzip_if_needed, parse_nvd};
use stella_vuln::osv::OsvRecord;
use stella_vuln::severity::assess;

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = gunzip_if_needed("fuzz", data) else {
        return;
    };
    let Ok(cves) = parse_nvd("fuzz", &bytes) else {
        return;
    };
    for cve in &cves {
        let _ = cve.cwes();
        if let Ok(rec) = cve.to_osv("fuzz") {
            if rec.validate("fuzz").is_ok() {
                let json = serde_json::to_vec(&rec).unwrap();
                let again: OsvRecord = serde_json::from_slice(&json).unwrap();
                assert_eq!(again, rec);
                let (severity, _) = assess(&[&rec]);
                assert!(severity.score.is_none_or(|s| (0.0..=10.0).contains(&s)));
            }
        }
    }
});
