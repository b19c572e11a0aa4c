//! CycloneDX VEX read of arbitrary bytes: never panics; what reads writes back as CycloneDX that
//! reads to the same statements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vex::{from_cyclonedx, to_cyclonedx};

fuzz_target!(|data: &[u8]| {
    let Ok((doc, _)) = from_cyclonedx(data) else {
        return;
    };
    let bom = to_cyclonedx(&doc).expect("a read document writes");
    let (again, _) = from_cyclonedx(&bom).expect("our own output must read");
    assert_eq!(
        again.statements.len(),
        doc.statements.len(),
        "statements lost in a round trip"
    );
});
