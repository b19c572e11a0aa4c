//! Alpine apk versions, ordered as apk-tools does (its rules are Gentoo's):
//! `N(.N)*[a-z]?(_suffix[N])*[~hash][-rN]`.
//!
//! 1. The first number numerically; later dot components numerically too, unless either starts
//!    with `0`, when they compare as strings with trailing zeroes removed (`1.01 < 1.1`). With
//!    the shared components equal, the version with more components is greater.
//! 2. An optional single letter: absent < `a` < `z`.
//! 3. Suffixes, pairwise: `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg <
//!    _p`, then their numbers (missing = 0).
//! 4. A `~hash` (apk-tools 2.12 commit id) compares as a string and only breaks ties.
//! 5. The `-rN` package release, numerically (missing = `-r0`).
//!
//! No maintained crate implements this, hence the own code.

use std::cmp::Ordering;

const SUFFIXES: &[(&str, i8)] = &[
    ("alpha", -4),
    ("beta", -3),
    ("pre", -2),
    ("rc", -1),
    ("cvs", 1),
    ("svn", 2),
    ("git", 3),
    ("hg", 4),
    ("p", 5),
];

/// A parsed apk version.
#[derive(Debug, Clone)]
pub(crate) struct ApkVersion {
    numbers: Vec<String>,
    letter: Option<u8>,
    suffixes: Vec<(i8, u64)>,
    hash: String,
    release: u64,
}

fn parse_u64(digits: &str) -> Result<u64, String> {
    if digits.is_empty() {
        return Ok(0);
    }
    if digits.len() > 19 {
        return Err(format!("number {digits} too long"));
    }
    digits.parse::<u64>().map_err(|e| e.to_string())
}

impl ApkVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut rest = text.trim();
        let mut release = 0;
        if let Some(idx) = rest.rfind("-r") {
            let (head, tail) = rest.split_at(idx);
            let digits = tail.get(2..).unwrap_or("");
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("bad -r release".to_owned());
            }
            release = parse_u64(digits)?;
            rest = head;
        }
        let mut hash = String::new();
        if let Some((head, h)) = rest.split_once('~') {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err("bad ~hash".to_owned());
            }
            hash = h.to_owned();
            rest = head;
        }
        let (main, suffix_text) = match rest.split_once('_') {
            Some((m, s)) => (m, Some(s)),
            None => (rest, None),
        };
        let mut letter = None;
        let mut main = main;
        if let Some(last) = main.bytes().last() {
            if last.is_ascii_lowercase() {
                letter = Some(last);
                main = main.get(..main.len() - 1).unwrap_or("");
            }
        }
        let numbers: Vec<String> = main.split('.').map(str::to_owned).collect();
        if numbers
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err("version must start with dot-separated numbers".to_owned());
        }
        let mut suffixes = Vec::new();
        if let Some(st) = suffix_text {
            for part in st.split('_') {
                let split = part
                    .find(|c: char| c.is_ascii_digit())
                    .unwrap_or(part.len());
                let (name, num) = part.split_at(split);
                let rank = SUFFIXES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, r)| *r)
                    .ok_or_else(|| format!("unknown suffix _{name}"))?;
                if !num.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("bad suffix number in _{part}"));
                }
                suffixes.push((rank, parse_u64(num)?));
            }
        }
        Ok(Self {
            numbers,
            letter,
            suffixes,
            hash,
            release,
        })
    }
}

fn cmp_component(first: bool, a: &str, b: &str) -> Ordering {
    if !first && (a.starts_with('0') || b.starts_with('0')) {
        return a.trim_end_matches('0').cmp(b.trim_end_matches('0'));
    }
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
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
        for (i, (a, b)) in self.numbers.iter().zip(&other.numbers).enumerate() {
            let o = cmp_component(i == 0, a, b);
            if o != Ordering::Equal {
                return o;
            }
        }
        let o = self.numbers.len().cmp(&other.numbers.len());
        if o != Ordering::Equal {
            return o;
        }
        let o = self.letter.cmp(&other.letter);
        if o != Ordering::Equal {
            return o;
        }
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let a = self.suffixes.get(i).copied().unwrap_or((0, 0));
            let b = other.suffixes.get(i).copied().unwrap_or((0, 0));
            let o = a.cmp(&b);
            if o != Ordering::Equal {
                return o;
            }
        }
        self.hash
            .cmp(&other.hash)
            .then(self.release.cmp(&other.release))
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
        for bad in ["", "a1.0", "1.0_foo", "1.0-rx", "1..0", "1.0~xyz"] {
            assert!(Scheme::Apk.parse(bad).is_err(), "{bad}");
        }
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
