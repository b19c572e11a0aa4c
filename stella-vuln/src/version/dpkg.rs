//! Debian / Ubuntu versions: `[epoch:]upstream[-revision]`, parsed and ordered exactly as dpkg
//! does (`parseversion` and `dpkg_version_compare` in libdpkg, behind `dpkg --compare-versions`;
//! Debian Policy §5.6.12).
//!
//! Parsing: surrounding blanks (space, tab) are trimmed and an inner one is refused; when the
//! text has a colon, what precedes the first one is the epoch, a decimal `strtol` number
//! between 0 and `INT_MAX` (an optional sign is read, as `strtol` does); the revision is what
//! follows the last `-` and must not be empty; the upstream version must not be empty. dpkg
//! reports bad syntax (an upstream version not starting with a digit, a character other than
//! alphanumerics and `.+~-:` in it, other than alphanumerics and `.+~` in the revision) as a
//! warning and still compares; such versions are invalid by Policy and refused here.
//!
//! Order: epochs numerically; then upstream and revision with `verrevcmp`: alternately a
//! non-digit run compared character by character (`~` before the end of the string, the end
//! before letters, letters by ASCII before every other character) and a digit run compared
//! numerically. A missing revision equals an empty one (and `0`). dpkg's own code is the
//! oracle of `tests/interop/versions.sh`. The `debversion` crate used before disagreed with
//! dpkg on digit runs after `~` (`2~0` = `2~` in dpkg), so this is own code.

use std::cmp::Ordering;

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub(crate) struct DpkgVersion {
    epoch: u32,
    upstream: String,
    revision: String,
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The epoch as C's `strtol` reads it, then dpkg's checks.
fn parse_epoch(text: &str) -> Result<u32, String> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return Err("epoch in version is empty".to_owned());
    }
    if n != digits.len() {
        return Err("epoch in version is not number".to_owned());
    }
    let value = digits.trim_start_matches('0');
    let value: u64 = if value.is_empty() {
        0
    } else if value.len() > 10 {
        return Err("epoch in version is too big".to_owned());
    } else {
        value
            .parse()
            .map_err(|_| "epoch in version is too big".to_owned())?
    };
    if negative && value != 0 {
        return Err("epoch in version is negative".to_owned());
    }
    u32::try_from(value)
        .ok()
        .filter(|v| i32::try_from(*v).is_ok())
        .ok_or_else(|| "epoch in version is too big".to_owned())
}

impl DpkgVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("version string is empty".to_owned());
        }
        let text = text.trim_matches(is_blank);
        if text.contains(is_blank) {
            return Err("version string has embedded spaces".to_owned());
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => {
                let epoch = parse_epoch(e)?;
                if rest.is_empty() {
                    return Err("nothing after colon in version number".to_owned());
                }
                (epoch, rest)
            }
            None => (0, text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err("revision number is empty".to_owned()),
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        let Some(first) = upstream.chars().next() else {
            return Err("version number is empty".to_owned());
        };
        if !first.is_ascii_digit() {
            return Err("version number does not start with digit".to_owned());
        }
        if !upstream
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+~:".contains(c))
        {
            return Err("invalid character in version number".to_owned());
        }
        if !revision
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c))
        {
            return Err("invalid character in revision number".to_owned());
        }
        Ok(Self {
            epoch,
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
        })
    }
}

/// dpkg's `order`: digits (and the end) 0, letters their ASCII code, `~` -1, anything else
/// its code + 256.
fn order(c: u8) -> i32 {
    match c {
        0 | b'0'..=b'9' => 0,
        b'a'..=b'z' | b'A'..=b'Z' => i32::from(c),
        b'~' => -1,
        other => i32::from(other) + 256,
    }
}

/// dpkg's `verrevcmp`.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |i: usize| a.get(i).copied().unwrap_or(0);
    let bt = |j: usize| b.get(j).copied().unwrap_or(0);
    let (mut i, mut j) = (0usize, 0usize);
    while at(i) != 0 || bt(j) != 0 {
        while (at(i) != 0 && !at(i).is_ascii_digit()) || (bt(j) != 0 && !bt(j).is_ascii_digit()) {
            let (ac, bc) = (order(at(i)), order(bt(j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(i) == b'0' {
            i += 1;
        }
        while bt(j) == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(i).is_ascii_digit() && bt(j).is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = at(i).cmp(&bt(j));
            }
            i += 1;
            j += 1;
        }
        if at(i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if bt(j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl PartialEq for DpkgVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for DpkgVersion {}
impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// From Debian Policy §5.6.12, dpkg's `t-version` unit tests and real security updates.
    const TABLE: &[(&str, char, &str)] = &[
        // policy: `~~` < `~~a` < `~` < (empty) < `a`
        ("1.0~~", '<', "1.0~~a"),
        ("1.0~~a", '<', "1.0~"),
        ("1.0~", '<', "1.0"),
        ("1.0", '<', "1.0a"),
        ("1.0~rc1", '<', "1.0"),
        ("1.0~rc1", '<', "1.0~rc2"),
        ("1.0~beta", '<', "1.0~rc1"),
        // epochs
        ("1:0.1", '>', "2.0"),
        ("0:1.0", '=', "1.0"),
        ("2:1.0", '>', "1:9.9"),
        ("10:1", '>', "9:1"),
        ("9.9", '<', "1:0"),
        ("1:2.0~beta", '<', "1:2.0"),
        // missing revision equals 0; leading zeroes do not count
        ("1.0", '=', "1.0-0"),
        ("0:0-00", '=', "0:0-0"),
        ("0:00.0-0", '=', "0:0.0-0"),
        ("1.001", '=', "1.1"),
        // digits numerically
        ("1.2.3", '<', "1.2.10"),
        ("1.10", '>', "1.9"),
        ("1.0", '<', "1.0.1"),
        ("0:0.0-0", '>', "0:0-0"),
        ("0:0foo-0", '>', "0:0-0"),
        // letters before non-letters, case-sensitive ASCII
        ("1.2a", '<', "1.2b"),
        ("1.0A", '<', "1.0a"),
        ("1.0a", '<', "1.0+"),
        ("1.2.a", '>', "1.2+a"),
        ("1.2+b1", '>', "1.2"),
        ("1.0+dfsg", '>', "1.0~dfsg"),
        ("2.0.0+dfsg-1", '>', "2.0.0-1"),
        ("1.2.3~rc1+dfsg-1", '<', "1.2.3+dfsg-1"),
        // revisions
        ("1.0-1", '<', "1.0-2"),
        ("1.0-1", '<', "1.0-1.1"),
        ("0:0.0-0", '<', "0:0.0-0.0"),
        ("0:0.0-0~1", '<', "0:0.0-0"),
        ("0:0.0~1-0", '<', "0:0.0-0"),
        ("0:0-0~", '<', "0:0-0"),
        ("1.0-1", '<', "1.0.1-1"),
        ("1.0-9", '<', "1.0-10"),
        // the last hyphen separates the revision
        ("1.2-3-4", '<', "1.2-3-5"),
        ("1.2-3-4", '>', "1.2-3"),
        // security and backport suffixes as the archives use them
        ("1.0-1", '<', "1.0-1+deb12u1"),
        ("1.0-1+deb12u1", '<', "1.0-1+deb12u2"),
        ("1.0-1~bpo12+1", '<', "1.0-1"),
        ("2.36-9+deb12u4", '<', "2.36-9+deb12u7"),
        ("3.0.11-1~deb12u2", '<', "3.0.11-1~deb12u3"),
        ("3.0.11-1~deb12u3", '<', "3.0.11-1"),
        ("3.0.13-1~deb12u1", '>', "3.0.11-1~deb12u2"),
        ("1.0-1ubuntu1", '>', "1.0-1"),
        ("1.0-1ubuntu0.1", '<', "1.0-1ubuntu1"),
        ("1.0-0ubuntu1", '<', "1.0-1"),
        ("2.7.4-0ubuntu1.6", '<', "2.7.4-0ubuntu1.10"),
        ("1:1.2.13.dfsg-1", '>', "1.2.13.dfsg-3"),
        ("7.88.1-10+deb12u5", '<', "7.88.1-10+deb12u8"),
        ("252.22-1~deb12u1", '<', "252.30-1~deb12u2"),
        ("1.34+dfsg-1.2+deb12u1", '>', "1.34+dfsg-1.2"),
    ];

    #[test]
    fn dpkg_table() {
        check_table(Scheme::Dpkg, TABLE);
    }

    #[test]
    fn dpkg_rejects_garbage() {
        assert!(Scheme::Dpkg.parse("").is_err());
        assert!(Scheme::Dpkg.parse("a:1.0").is_err());
        assert!(Scheme::Dpkg.parse("1.0 2").is_err());
    }

    proptest! {
        #[test]
        fn dpkg_total_order(
            a in "([0-3]:)?[0-9]{1,2}(\\.[0-9a-c~+]{1,3}){0,2}(-[0-9a-c.~+]{1,4})?",
            b in "([0-3]:)?[0-9]{1,2}(\\.[0-9a-c~+]{1,3}){0,2}(-[0-9a-c.~+]{1,4})?",
            c in "([0-3]:)?[0-9]{1,2}(\\.[0-9a-c~+]{1,3}){0,2}(-[0-9a-c.~+]{1,4})?",
        ) {
            check_total_order(Scheme::Dpkg, &a, &b, &c);
        }
    }
}
