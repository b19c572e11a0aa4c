//! CSAF 2.0 import of arbitrary bytes: never panics; what imports is valid OpenVEX whose own
//! output re-parses to the same model, and every statement has its provenance.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vex::{CsafOptions, Document, import_csaf};

fuzz_target!(|data: &[u8]| {
    let Ok(imported) = import_csaf(data, &CsafOptions::default()) else {
        return;
    };
    assert_eq!(imported.provenance.len(), imported.document.statements.len());
    let out = imported.document.to_json().expect("an imported document serializes");
    let again = Document::parse(&out).expect("our own output must parse");
    assert_eq!(again, imported.document, "parse(to_json(import)) != import");
});
