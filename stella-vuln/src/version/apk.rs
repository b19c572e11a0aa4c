//! Alpine apk versions: `N(.N)*[a-z]?(_suffix[N])*[~hash][-rN]`, ordered as apk-tools does
//! for valid versions, and as osv-scalibr (whose ordering fixtures are the reference, see
//! `tests/version_fixtures.rs`) does for the real-world versions apk calls invalid
//! (`6.6.2p1-r0`, `0.8.21.r2`, `1.2.0A`, unknown suffixes). Debian ships no apk-tools, so there
//! is no live oracle; apk-tools' `src/version.c` and the fixtures are the specification.
//!
//! The text is read left to right, each part optional:
//! 1. Number components: digit runs separated by single dots. The first compares numerically;
//!    a later one numerically too unless either starts with `0`, when both compare as strings
//!    (`1.01 < 1.1`, `1.001 < 1.01`). A missing component is `0`.
//! 2. One lower-case letter: absent < `a` < `z`.
//! 3. Suffixes `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, each
//!    with an optional number (missing = 0), compared pairwise; a missing suffix is "none".
//! 4. A `~hash` (lower-case hex): absent < present, two hashes as strings.
//! 5. A `-rN` release (`-r` alone is `-r0`), numerically; missing = `-r0`.
//!
//! Whatever is left over makes the version *irregular*. A regular version with no leftover is
//! greater than one with a leftover when all the above are equal (`1 > 1-ruff`); a leftover that
//! is not after a `-r` release marks the version invalid, and two invalid versions compare as
//! plain strings (`6.6.2p1 < 6.6.2p2`, `0.8.21.r1 < 0.8.21.r2`), while an invalid version still
//! compares with a valid one by its parts (`6.6.2p1 > 6.6.2_p1`). Numbers have no size limit
//! (digit strings). No maintained crate implements this, hence the own code.

use std::cmp::Ordering;

/// Suffix weights: pre-releases below [`NO_SUFFIX`], post-releases above.
const SUFFIXES: &[(&str, u8)] = &[
    ("alpha", 0),
    ("beta", 1),
    ("pre", 2),
    ("rc", 3),
    ("cvs", 5),
    ("svn", 6),
    ("git", 7),
    ("hg", 8),
    ("p", 9),
];
const NO_SUFFIX: u8 = 4;

/// A parsed apk version.
#[derive(Debug, Clone)]
pub(crate) struct ApkVersion {
    original: String,
    /// The number components as written.
    numbers: Vec<String>,
    letter: Option<u8>,
    /// (weight, number without leading zeroes).
    suffixes: Vec<(u8, String)>,
    hash: Option<String>,
    /// Digits without leading zeroes ("" is 0).
    release: String,
    /// Text left after the parts above.
    leftover: bool,
    /// The leftover was not preceded by a `-r` release.
    invalid: bool,
}

fn strip_zeroes(d: &str) -> String {
    d.trim_start_matches('0').to_owned()
}

fn num_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn digits_len(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// A suffix name and number at the start of `s` (after its `_`), as `(weight, digits, len)`.
fn suffix_at(s: &str) -> Option<(u8, &str, usize)> {
    // Longest names first is not needed: no name is a prefix of another except `p`/`pre`,
    // and `pre` is listed before `p`.
    SUFFIXES.iter().find_map(|(name, weight)| {
        let rest = s.strip_prefix(name)?;
        let n = digits_len(rest);
        Some((*weight, rest.get(..n).unwrap_or(""), name.len() + n))
    })
}

impl ApkVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty version".to_owned());
        }
        if text.chars().any(char::is_whitespace) {
            return Err("contains whitespace".to_owned());
        }
        let mut rest = text;
        // 1. digit runs separated by single dots
        let mut numbers = Vec::new();
        loop {
            let n = digits_len(rest);
            if n == 0 {
                break;
            }
            numbers.push(rest.get(..n).unwrap_or("").to_owned());
            rest = rest.get(n..).unwrap_or("");
            match rest.strip_prefix('.') {
                Some(after) if digits_len(after) > 0 => rest = after,
                _ => break,
            }
        }
        // 2. one lower-case letter
        let letter = rest.bytes().next().filter(u8::is_ascii_lowercase);
        if letter.is_some() {
            rest = rest.get(1..).unwrap_or("");
        }
        // 3. suffixes: osv-scalibr finds every `_name[N]` in the rest and consumes those at
        //    its start; one found later still counts (and the version stays irregular).
        let mut suffixes = Vec::new();
        let mut scan = 0usize;
        while let Some(pos) = rest.get(scan..).and_then(|s| s.find('_')) {
            let at = scan + pos + 1;
            match rest.get(at..).and_then(suffix_at) {
                Some((weight, digits, len)) => {
                    suffixes.push((weight, strip_zeroes(digits)));
                    if scan + pos == 0 {
                        rest = rest.get(at + len..).unwrap_or("");
                        scan = 0;
                    } else {
                        scan = at + len;
                    }
                }
                None => scan = at,
            }
        }
        // 4. ~hash
        let mut hash = None;
        if let Some(after) = rest.strip_prefix('~') {
            let n = after
                .bytes()
                .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
                .count();
            if n > 0 {
                hash = after.get(..n).map(str::to_owned);
                rest = after.get(n..).unwrap_or("");
            }
        }
        // 5. -rN
        let mut release = String::new();
        let mut invalid = false;
        if !rest.is_empty() {
            match rest.strip_prefix("-r") {
                Some(after) => {
                    let n = digits_len(after);
                    release = strip_zeroes(after.get(..n).unwrap_or(""));
                    rest = after.get(n..).unwrap_or("");
                }
                None => invalid = true,
            }
        }
        Ok(Self {
            original: text.to_owned(),
            numbers,
            letter,
            suffixes,
            hash,
            release,
            leftover: !rest.is_empty(),
            invalid,
        })
    }

    fn cmp_numbers(&self, other: &Self) -> Ordering {
        let n = self.numbers.len().max(other.numbers.len());
        for i in 0..n {
            let a = self.numbers.get(i).map_or("0", String::as_str);
            let b = other.numbers.get(i).map_or("0", String::as_str);
            let present = i < self.numbers.len() && i < other.numbers.len();
            let o = if i > 0 && present && (a.starts_with('0') || b.starts_with('0')) {
                a.cmp(b)
            } else {
                num_cmp(a, b)
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    fn cmp_suffixes(&self, other: &Self) -> Ordering {
        let none = (NO_SUFFIX, String::new());
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let (wa, na) = self.suffixes.get(i).unwrap_or(&none);
            let (wb, nb) = other.suffixes.get(i).unwrap_or(&none);
            let o = wa.cmp(wb).then_with(|| num_cmp(na, nb));
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ApkVersion {}
impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.invalid && other.invalid {
            return self.original.as_bytes().cmp(other.original.as_bytes());
        }
        self.cmp_numbers(other)
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| self.cmp_suffixes(other))
            .then_with(|| self.hash.cmp(&other.hash))
            .then_with(|| num_cmp(&self.release, &other.release))
            // no leftover > leftover
            .then_with(|| other.leftover.cmp(&self.leftover))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// From apk-tools' version rules (`apk version -t`), Gentoo's PMS §3.3 algorithm that apk
    /// follows, and real Alpine security fixes.
    const TABLE: &[(&str, char, &str)] = &[
        ("1.0", '=', "1.0"),
        ("1.0", '<', "1.1"),
        ("1.0", '<', "1.0.1"),
        ("1.9", '<', "1.10"),
        ("2.34", '>', "0.1.0_alpha"),
        ("1.2.10", '>', "1.2.9"),
        ("10", '>', "9"),
        ("1.01", '<', "1.1"),
        ("1.001", '<', "1.01"),
        ("1.1", '>', "1.0999"),
        ("1.0", '<', "1.0a"),
        ("1.0a", '<', "1.0b"),
        ("1.0z", '<', "1.0.1"),
        ("1.0a", '<', "1.1"),
        ("1.0_alpha", '<', "1.0_beta"),
        ("1.0_beta", '<', "1.0_pre"),
        ("1.0_pre", '<', "1.0_rc"),
        ("1.0_rc", '<', "1.0"),
        ("1.0", '<', "1.0_cvs"),
        ("1.0_cvs", '<', "1.0_svn"),
        ("1.0_svn", '<', "1.0_git"),
        ("1.0_git", '<', "1.0_hg"),
        ("1.0_hg", '<', "1.0_p"),
        ("1.0_alpha1", '<', "1.0_alpha2"),
        ("1.0_alpha2", '<', "1.0_alpha10"),
        ("1.0_alpha", '=', "1.0_alpha0"),
        ("1.0_rc9", '<', "1.0"),
        ("1.0_p1", '>', "1.0"),
        ("1.0_p1", '<', "1.0_p2"),
        ("1.0_p1", '<', "1.0.1"),
        ("1.0_rc1", '>', "0.9"),
        ("1.0_alpha_p1", '>', "1.0_alpha"),
        ("1.0_alpha_p1", '<', "1.0_beta"),
        ("1.0_beta_rc1", '<', "1.0_beta"),
        ("1.0_git20230101", '<', "1.0_git20230102"),
        ("1.0_git20230101", '>', "1.0"),
        ("1.0-r0", '=', "1.0"),
        ("1.0-r1", '>', "1.0"),
        ("1.0-r1", '<', "1.0-r2"),
        ("1.0-r9", '<', "1.0-r10"),
        ("1.0-r10", '<', "1.0.1-r0"),
        ("1.0_p1-r0", '>', "1.0-r9"),
        ("1.36.1-r15", '<', "1.36.1-r29"),
        ("3.0.8-r0", '<', "3.0.8-r1"),
        ("3.1.4-r5", '<', "3.3.2-r0"),
        ("1.2.13-r0", '<', "1.2.13-r1"),
        ("8.5.0-r0", '>', "8.4.0-r6"),
        ("2.40.1-r0", '<', "2.40.1-r1"),
        ("9.6_p1-r0", '<', "9.7_p1-r0"),
        ("1.1.1w-r1", '>', "1.1.1v-r0"),
        ("1.1.1t-r3", '<', "1.1.1u-r0"),
        ("4.0.0_pre20230101", '<', "4.0.0"),
        ("1.0~abc123", '>', "1.0"),
    ];

    #[test]
    fn apk_table() {
        check_table(Scheme::Apk, TABLE);
    }

    #[test]
    fn apk_rejects_garbage() {
        for bad in ["", " 1.0", "1.0 "] {
            assert!(Scheme::Apk.parse(bad).is_err(), "{bad}");
        }
        // apk's invalid versions still order (osv-scalibr's rules): by their parts against a
        // valid one, as strings against each other.
        let c = |a, b| Scheme::Apk.compare(a, b).unwrap();
        assert_eq!(c("1.0_foo", "1.0"), std::cmp::Ordering::Less);
        assert_eq!(c("6.6.2p1-r0", "6.6.2_p1-r0"), std::cmp::Ordering::Greater);
        assert_eq!(c("6.6.2p1-r0", "6.6.2p2-r0"), std::cmp::Ordering::Less);
        assert_eq!(c("0.8.21.r2", "0.8.21.r1"), std::cmp::Ordering::Greater);
    }

    proptest! {
        #[test]
        fn apk_total_order(
            a in "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}[a-c]?(_(alpha|rc|p|git)[0-9]?){0,2}(-r[0-9])?",
            b in "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}[a-c]?(_(alpha|rc|p|git)[0-9]?){0,2}(-r[0-9])?",
            c in "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}[a-c]?(_(alpha|rc|p|git)[0-9]?){0,2}(-r[0-9])?",
        ) {
            check_total_order(Scheme::Apk, &a, &b, &c);
        }
    }
}
