//! RubyGems versions, ordered as `Gem::Version#<=>` does: the version must match
//! `N(.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(.[0-9A-Za-z-]+)*)?` (empty means `0`); `-` is read as
//! `.pre.`; it splits into numbers and letter runs (`1.2.b3` → 1, 2, "b", 3); the numeric
//! prefix and the rest each lose trailing zeroes ("canonical segments"); then segments compare
//! pairwise, missing ones as 0, a string below a number (a string makes a pre-release),
//! strings by byte order. No Rust crate implements these rules, hence the own code.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(String),
    Str(String),
}

/// A parsed RubyGems version (its canonical segments).
#[derive(Debug, Clone)]
pub(crate) struct GemVersion(Vec<Seg>);

fn valid(t: &str) -> bool {
    if t.is_empty() {
        return true;
    }
    let (main, pre) = match t.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (t, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

fn strip_zeros(mut v: Vec<Seg>) -> Vec<Seg> {
    while matches!(v.last(), Some(Seg::Num(n)) if n.is_empty()) {
        v.pop();
    }
    v
}

impl GemVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if !valid(t) {
            return Err("malformed version number string".to_owned());
        }
        let t = if t.is_empty() { "0" } else { t };
        let t = t.replace('-', ".pre.");
        let mut segs = Vec::new();
        let mut cur = String::new();
        let mut cur_digit = false;
        for c in t.chars() {
            let is_alnum = c.is_ascii_alphanumeric();
            if (!is_alnum || c.is_ascii_digit() != cur_digit) && !cur.is_empty() {
                segs.push(if cur_digit {
                    Seg::Num(cur.trim_start_matches('0').to_owned())
                } else {
                    Seg::Str(cur.clone())
                });
                cur.clear();
            }
            if is_alnum {
                cur_digit = c.is_ascii_digit();
                cur.push(c);
            }
        }
        if !cur.is_empty() {
            segs.push(if cur_digit {
                Seg::Num(cur.trim_start_matches('0').to_owned())
            } else {
                Seg::Str(cur)
            });
        }
        let split = segs
            .iter()
            .position(|s| matches!(s, Seg::Str(_)))
            .unwrap_or(segs.len());
        let strings = segs.split_off(split);
        let mut canonical = strip_zeros(segs);
        canonical.extend(strip_zeros(strings));
        Ok(Self(canonical))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for GemVersion {}
impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Seg::Num(String::new());
        let n = self.0.len().max(other.0.len());
        for i in 0..n {
            let a = self.0.get(i).unwrap_or(&zero);
            let b = other.0.get(i).unwrap_or(&zero);
            let o = match (a, b) {
                (Seg::Num(x), Seg::Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
                (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
                (Seg::Str(x), Seg::Str(y)) => x.cmp(y),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// RubyGems' `test_gem_version.rb` (`test_spaceship`, `test_equal`, prerelease tests) and
    /// real RubyGems advisory bounds.
    const TABLE: &[(&str, char, &str)] = &[
        ("1.0", '=', "1.0.0"),
        ("1.0", '>', "1.0.a"),
        ("1.8.2", '>', "0.0.0"),
        ("1.8.2", '>', "1.8.2.a"),
        ("1.8.2.b", '>', "1.8.2.a"),
        ("1.8.2.a", '<', "1.8.2"),
        ("1.8.2.a10", '>', "1.8.2.a9"),
        ("", '=', "0"),
        ("0.beta.1", '=', "0.0.beta.1"),
        ("0.0.beta", '<', "0.0.beta.1"),
        ("0.0.beta", '<', "0.beta.1"),
        ("5.a", '<', "5.0.0.rc2"),
        ("5.x", '>', "5.0.0.rc2"),
        ("1.2", '=', "1.2"),
        ("1.2.b1", '=', "1.2.b.1"),
        ("1.2.0", '=', "1.2"),
        ("1.2.pre.1", '=', "1.2-1"),
        ("1.2", '<', "1.3"),
        ("1.2", '<', "1.10"),
        ("1.2.3", '<', "1.2.10"),
        ("1.0.0", '<', "1.0.1"),
        ("1.0", '<', "1.0.0.1"),
        ("1.0.0.rc1", '<', "1.0.0"),
        ("1.0.0.rc1", '<', "1.0.0.rc2"),
        ("1.0.0.beta", '<', "1.0.0.rc1"),
        ("1.0.0.alpha", '<', "1.0.0.beta"),
        ("1.0.0.pre", '<', "1.0.0.rc"),
        ("1.0.0-1", '<', "1.0.0"),
        ("1.0.0-1", '=', "1.0.0.pre.1"),
        ("1.0.0-a", '=', "1.0.0.pre.a"),
        ("1.0.0.a", '<', "1.0.0.pre"),
        ("2.0.0.rc1", '>', "1.9.9"),
        ("1.A", '<', "1.a"),
        ("1.0.a10", '>', "1.0.a2"),
        ("1.0a10", '=', "1.0.a.10"),
        ("1.0b1", '>', "1.0a2"),
        ("1.1.0.0", '=', "1.1"),
        ("01.1", '=', "1.1"),
        ("1.01", '=', "1.1"),
        ("1.0.rc.0", '=', "1.0.rc"),
        ("22.1.50.0.d", '<', "22.1.50"),
        ("1.2.d.42", '<', "1.2.d.43"),
        ("1.2.d.42", '>', "1.2.c"),
        // real advisory bounds (rails, nokogiri, rack)
        ("6.1.7.3", '<', "6.1.7.4"),
        ("7.0.4.3", '<', "7.0.5"),
        ("7.0.0.rc1", '<', "7.0.0"),
        ("1.13.10", '<', "1.14.3"),
        ("1.14.0.rc1", '<', "1.14.0"),
        ("2.2.6.2", '<', "2.2.6.3"),
        ("3.0.0.beta1", '<', "3.0.0"),
        ("3.0.0", '<', "3.0.0.1"),
        ("1.13.10", '<', "1.13.10.1"),
    ];

    #[test]
    fn rubygems_table() {
        check_table(Scheme::RubyGems, TABLE);
    }

    #[test]
    fn rubygems_rejects_garbage() {
        for bad in ["junk", "1.0\n2.0", "1..2", "1.2\\ 3", "a.1"] {
            assert!(Scheme::RubyGems.parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn rubygems_total_order(
            a in "[0-9]{1,2}(\\.([0-9]{1,2}|a|rc|pre)){0,4}(-[a-c0-9]{1,2})?",
            b in "[0-9]{1,2}(\\.([0-9]{1,2}|a|rc|pre)){0,4}(-[a-c0-9]{1,2})?",
            c in "[0-9]{1,2}(\\.([0-9]{1,2}|a|rc|pre)){0,4}(-[a-c0-9]{1,2})?",
        ) {
            check_total_order(Scheme::RubyGems, &a, &b, &c);
        }
    }
}
