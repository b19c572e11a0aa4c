//! PyPI versions, ordered by PEP 440 (the Version Specifiers spec): epoch, release (trailing
//! zeroes do not count), then `.devN` < `aN` < `bN` < `rcN` < release < `.postN`, with `.devN`
//! of a pre- or post-release sorting before it, and local versions (`+local`) after the public
//! version, segment by segment (numbers above strings). Spelling variants normalize (`alpha` =
//! `a`, `c`/`pre`/`preview` = `rc`, `-1` = `.post1`, `v` prefix, `_`/`-` separators).
//! Implemented by astral's `pep440_rs` (the crate under uv).

use std::str::FromStr;

/// A parsed PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PypiVersion(pep440_rs::Version);

impl PypiVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        pep440_rs::Version::from_str(text.trim())
            .map(Self)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// PEP 440's own ordering example (consecutive entries) and its normalization rules.
    const TABLE: &[(&str, char, &str)] = &[
        ("1.dev0", '<', "1.0.dev456"),
        ("1.0.dev456", '<', "1.0a1"),
        ("1.0a1", '<', "1.0a2.dev456"),
        ("1.0a2.dev456", '<', "1.0a12.dev456"),
        ("1.0a12.dev456", '<', "1.0a12"),
        ("1.0a12", '<', "1.0b1.dev456"),
        ("1.0b1.dev456", '<', "1.0b2"),
        ("1.0b2", '<', "1.0b2.post345.dev456"),
        ("1.0b2.post345.dev456", '<', "1.0b2.post345"),
        ("1.0b2.post345", '<', "1.0rc1.dev456"),
        ("1.0rc1.dev456", '<', "1.0rc1"),
        ("1.0rc1", '<', "1.0"),
        ("1.0", '<', "1.0+abc.5"),
        ("1.0+abc.5", '<', "1.0+abc.7"),
        ("1.0+abc.7", '<', "1.0+5"),
        ("1.0+5", '<', "1.0.post456.dev34"),
        ("1.0.post456.dev34", '<', "1.0.post456"),
        ("1.0.post456", '<', "1.0.15"),
        ("1.0.15", '<', "1.1.dev1"),
        // normalization
        ("1.0", '=', "1"),
        ("1.0.0", '=', "1"),
        ("1.0.0.0.0", '=', "1.0"),
        ("1.01", '=', "1.1"),
        ("v1.0", '=', "1.0"),
        ("V1.0", '=', "1.0"),
        ("1.0a1", '=', "1.0alpha1"),
        ("1.0a1", '=', "1.0-a1"),
        ("1.0a1", '=', "1.0.a.1"),
        ("1.0a", '=', "1.0a0"),
        ("1.0b1", '=', "1.0beta1"),
        ("1.0rc1", '=', "1.0c1"),
        ("1.0rc1", '=', "1.0pre1"),
        ("1.0rc1", '=', "1.0preview1"),
        ("1.0.post1", '=', "1.0-1"),
        ("1.0.post1", '=', "1.0post1"),
        ("1.0.post1", '=', "1.0_post1"),
        ("1.0.post1", '=', "1.0.rev1"),
        ("1.0.post1", '=', "1.0.r1"),
        ("1.0.dev0", '=', "1.0dev"),
        ("1.0+ubuntu-1", '=', "1.0+ubuntu.1"),
        ("1.0+ABC", '=', "1.0+abc"),
        ("0!2.0", '=', "2.0"),
        // epochs, local versions, dev/post placement
        ("1!1.0", '>', "2.0"),
        ("1!1.0", '<', "2!0.1"),
        ("1.0+abc", '<', "1.0+abc.1"),
        ("1.0+1", '>', "1.0+abc"),
        ("1.0", '<', "1.0+0"),
        ("1.0.dev1", '<', "1.0a1"),
        ("1.0a1.post1", '>', "1.0a1"),
        ("1.0a1.post1", '<', "1.0a2"),
        ("1.0rc1.post1.dev1", '<', "1.0rc1.post1"),
        ("2.0.dev1", '>', "1.9.9"),
        ("1.0.post1.dev1", '>', "1.0"),
        ("1.0.post1.dev1", '<', "1.0.post1"),
        ("2.31.0", '>', "2.3.1"),
        ("0.10", '>', "0.9"),
    ];

    #[test]
    fn pep440_table() {
        check_table(Scheme::Pep440, TABLE);
    }

    #[test]
    fn pep440_rejects_garbage() {
        for bad in ["", "1.0.x", "french toast", "1.0+", "1..0"] {
            assert!(Scheme::Pep440.parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn pep440_total_order(
            a in "([0-2]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?(\\.post[0-9])?(\\.dev[0-9])?(\\+[a-c0-9]{1,3})?",
            b in "([0-2]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?(\\.post[0-9])?(\\.dev[0-9])?(\\+[a-c0-9]{1,3})?",
            c in "([0-2]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?(\\.post[0-9])?(\\.dev[0-9])?(\\+[a-c0-9]{1,3})?",
        ) {
            check_total_order(Scheme::Pep440, &a, &b, &c);
        }
    }
}
