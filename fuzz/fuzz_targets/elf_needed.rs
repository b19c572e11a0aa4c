//! ELF dynamic-linking facts from arbitrary bytes: never panics, and a file that parses yields
//! bounded lists; the full per-file analysis (which dispatches on the ELF magic) never panics
//! either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::entrytrace::{ElfFacts, FileFacts};

fuzz_target!(|data: &[u8]| {
    if let Ok(facts) = ElfFacts::parse(data) {
        assert!(facts.needed.len() <= 4096);
        assert!(facts.runpath.len() <= 4096 && facts.rpath.len() <= 4096);
    }
    let mut elf = b"\x7fELF".to_vec();
    elf.extend_from_slice(data);
    let _ = ElfFacts::parse(&elf);
    let _ = FileFacts::analyze("usr/lib/libfuzz.so.1", &elf);
});
