//! `#!` lines, shell scripts, and Python / Node import readers on arbitrary bytes: never panic,
//! and a parsed `#!` line names a non-empty interpreter without line breaks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::entrytrace::{FileFacts, JsImports, PyImports, Shebang, ShellScript};

fuzz_target!(|data: &[u8]| {
    let mut with_bang = b"#!".to_vec();
    with_bang.extend_from_slice(data);
    for input in [data, &with_bang[..]] {
        if let Ok(Some(s)) = Shebang::parse(input) {
            assert!(!s.interpreter.is_empty());
            assert!(!s.interpreter.contains('\n'));
            let (program, _, _) = s.command();
            assert!(!program.is_empty());
        }
    }
    let text = String::from_utf8_lossy(data);
    let script = ShellScript::parse(&text, 1 << 16);
    assert!(script.commands.len() <= 10_000);
    let _ = PyImports::parse(&text);
    let _ = JsImports::parse(&text);
    let _ = FileFacts::analyze("usr/local/bin/entry", &with_bang);
});
