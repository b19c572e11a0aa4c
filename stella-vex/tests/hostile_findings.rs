#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Hostile findings input for VEX generation: a SARIF result with an empty rule id names no
//! vulnerability and is skipped (found by the `sarif_findings` fuzz target's invariant that
//! every finding read has an id).

use stella_core::canonical::JsonLimits;
use stella_vex::{findings_from_sarif, read_findings};

#[test]
fn sarif_results_with_empty_ids_are_skipped_or_fall_back_to_the_rule() {
    let sarif = br#"{"version":"2.1.0","runs":[{"results":[
        {"ruleId":""},
        {"rule":{"id":""}},
        {"ruleId":"CVE-2024-1","properties":{"vulnerability":"","purl":"pkg:npm/x@1.0.0"}}
    ]}]}"#;
    let found = findings_from_sarif(sarif, &JsonLimits::default()).unwrap();
    let ids: Vec<&str> = found.iter().map(|f| f.vulnerability.as_str()).collect();
    assert_eq!(ids, vec!["CVE-2024-1"]);
    assert_eq!(read_findings(sarif, &JsonLimits::default()).unwrap(), found);
}
