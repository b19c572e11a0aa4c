//! VEX applied to an arbitrary SARIF log (`stella vex filter`): never panics, the output is
//! deterministic and never holds more results than the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::Timestamp;
use stella_vex::{FilterOptions, TrustPolicy, VexSet, VexSource, filter_sarif};

const VEX: &[u8] = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/v",
  "author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
  {"vulnerability":{"name":"CVE-2023-27103","aliases":["SNYK-DEBIAN12-LIBDE265-3361563"]},
   "products":[{"@id":"pkg:oci/nginx@sha256%3A13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0"}],
   "status":"not_affected","justification":"component_not_present"}]}"#;

fuzz_target!(|data: &[u8]| {
    let now = Timestamp::from_unix_seconds(1_800_000_000).expect("in range");
    let source = VexSource::unsigned(VEX).expect("the fixed VEX parses");
    let set = VexSet::build(vec![source], &TrustPolicy::permissive(), now);
    for remove in [false, true] {
        let options = FilterOptions {
            remove,
            ..FilterOptions::default()
        };
        let Ok(a) = filter_sarif(data, &set, &options) else {
            return;
        };
        let b = filter_sarif(data, &set, &options).expect("the same input filters again");
        assert_eq!(a.sarif, b.sarif, "filter output not deterministic");
        assert!(a.report.suppressed <= a.report.results);
    }
});
