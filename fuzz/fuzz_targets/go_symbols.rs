//! Symbol tables of compiled binaries from arbitrary bytes: the Go pclntab reader (at offset 0
//! and found by magic), the ELF symbol-table reader with Rust demangling, and Go name
//! splitting. Never panics, and a table that parses names only what its bytes hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::symbols::gopclntab::{find_pclntab, parse_pclntab, split_go_name};
use stella_scan::symbols::{read_symbols, rust_function_path};

fuzz_target!(|data: &[u8]| {
    if let Ok(funcs) = parse_pclntab(data) {
        // Every name was read from the input: the names cannot outgrow it.
        let total: usize = funcs.functions.iter().chain(&funcs.inlined).map(String::len).sum();
        assert!(total <= data.len() * 3 + 16);
        for n in funcs.functions.iter().take(64) {
            let _ = split_go_name(n);
        }
    }
    let _ = find_pclntab(data);
    if let Some(symbols) = read_symbols(data) {
        assert!(symbols.unreadable.is_none() || symbols.functions.is_empty());
    }
    let text = String::from_utf8_lossy(data);
    let _ = rust_function_path(&text);
    let _ = split_go_name(&text);
});
