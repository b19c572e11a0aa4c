//! OpenVEX parsing, validation, SPDX mapping and merge of arbitrary bytes: never panics; a
//! document that parses re-parses from its own output to the same model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::Timestamp;
use stella_vex::{
    Document, MergeOptions, TrustPolicy, ValidationOptions, VexSet, VexSource, spdx, validate,
};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let now = Timestamp::from_unix_seconds(1_800_000_000).expect("in range");
    let _ = validate(&doc, &ValidationOptions::at(now));
    let out = doc.to_json().expect("a parsed document serializes");
    let again = Document::parse(&out).expect("our own output must parse");
    assert_eq!(again, doc, "parse(to_json(doc)) != doc");
    let _ = spdx::from_spdx(&spdx::to_spdx(&doc));
    if let Ok(source) = VexSource::unsigned(data) {
        let set = VexSet::build(vec![source], &TrustPolicy::permissive(), now);
        let _ = set.merge(&MergeOptions {
            now,
            author: "fuzz".into(),
            explain: true,
        });
    }
});
