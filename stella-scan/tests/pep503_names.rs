#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! PEP 503 project-name normalization against the reference: `packaging.utils.canonicalize_name`
//! (the implementation pip vendors), on names chosen to tell implementations apart: runs of
//! mixed separators, leading and trailing separators, white space, and non-ASCII names whose
//! lower case is not one ASCII byte per letter (ß and ẞ, dotted İ, titlecase digraphs,
//! fullwidth and Roman-numeral letters, the Kelvin sign, and Greek capital sigma at the end of
//! a word, before `-`, `_` and `.`, and before a combining accent).
//!
//! PROVENANCE: the expected outputs were generated once, not at test time, by
//! `canonicalize_name` on CPython 3.11.7 (Unicode 14.0.0), from packaging 26.4 and from the
//! packaging 26.3 that pip 26.3 vendors (`pip._vendor.packaging.utils`), which gave the same
//! table: for each name below, the name and `canonicalize_name(name)` written as Rust string
//! literals, non-ASCII as `\u{..}` escapes. Every character here is in Unicode 14, and
//! Unicode's stability policy keeps the case mappings of assigned characters, so the newer
//! Unicode of Rust's standard library gives the same values. To add a row, run the same
//! function and paste its output; do not write an expected value by hand.

use stella_scan::catalog::python::normalize_name;

/// (name, `packaging.utils.canonicalize_name(name)`).
const TABLE: &[(&str, &str)] = &[
    ("requests", "requests"),
    ("Flask_SQLAlchemy", "flask-sqlalchemy"),
    ("zope.interface", "zope-interface"),
    ("ruamel.yaml.clib", "ruamel-yaml-clib"),
    ("PyYAML", "pyyaml"),
    ("a.-_b", "a-b"),
    ("Some_Package..Name", "some-package-name"),
    ("a__b", "a-b"),
    ("a--b", "a-b"),
    ("a..b", "a-b"),
    ("a._-._b", "a-b"),
    ("-leading", "-leading"),
    ("trailing_", "trailing-"),
    ("__init__", "-init-"),
    (".", "-"),
    ("-_.", "-"),
    ("", ""),
    ("A", "a"),
    (" spaced name ", " spaced name "),
    ("tab\tname", "tab\tname"),
    ("Stra\u{df}e", "stra\u{df}e"),
    ("STRASSE", "strasse"),
    ("\u{1e9e}", "\u{df}"),
    ("\u{130}stanbul", "i\u{307}stanbul"),
    ("I\u{307}", "i\u{307}"),
    ("\u{1c5}emal", "\u{1c6}emal"),
    ("\u{ff21}\u{ff22}\u{ff23}", "\u{ff41}\u{ff42}\u{ff43}"),
    ("\u{216b}", "\u{217b}"),
    ("\u{212a}", "k"),
    ("\u{3a3}", "\u{3c3}"),
    ("A\u{3a3}", "a\u{3c2}"),
    (
        "\u{39f}\u{394}\u{39f}\u{3a3}",
        "\u{3bf}\u{3b4}\u{3bf}\u{3c2}",
    ),
    (
        "\u{39f}\u{394}\u{39f}\u{3a3}-\u{391}",
        "\u{3bf}\u{3b4}\u{3bf}\u{3c2}-\u{3b1}",
    ),
    (
        "\u{39f}\u{394}\u{39f}\u{3a3}.\u{391}",
        "\u{3bf}\u{3b4}\u{3bf}\u{3c3}-\u{3b1}",
    ),
    (
        "\u{39f}\u{394}\u{39f}\u{3a3}_\u{391}",
        "\u{3bf}\u{3b4}\u{3bf}\u{3c2}-\u{3b1}",
    ),
    ("\u{391}\u{3a3}\u{301}", "\u{3b1}\u{3c2}\u{301}"),
    ("\u{3a3}_x", "\u{3c3}-x"),
    (
        "\u{410}\u{411}\u{412}-\u{413}\u{414}",
        "\u{430}\u{431}\u{432}-\u{433}\u{434}",
    ),
    ("caf\u{c9}.Au-Lait", "caf\u{e9}-au-lait"),
    ("\u{c5}ngstr\u{f6}m_Lib", "\u{e5}ngstr\u{f6}m-lib"),
    (
        "\u{414}\u{416}\u{410}\u{41d}\u{413}\u{41e}",
        "\u{434}\u{436}\u{430}\u{43d}\u{433}\u{43e}",
    ),
    ("\u{df}", "\u{df}"),
    ("\u{149}", "\u{149}"),
    ("\u{1f88}", "\u{1f80}"),
    ("\u{ad}-soft", "\u{ad}-soft"),
];

#[test]
fn normalize_name_is_packaging_canonicalize_name() {
    let mismatches: Vec<String> = TABLE
        .iter()
        .filter_map(|&(name, want)| {
            let got = normalize_name(name);
            (got != want).then(|| format!("{name:?}: got {got:?}, packaging gives {want:?}"))
        })
        .collect();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
