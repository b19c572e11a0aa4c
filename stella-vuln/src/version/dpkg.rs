//! Debian / Ubuntu versions: `[epoch:]upstream[-revision]`, ordered as dpkg's `verrevcmp`
//! does (Debian Policy §5.6.12): epochs numerically; then upstream and revision alternately
//! comparing non-digit runs (where `~` sorts before everything, even the end of the string, and
//! letters sort before other characters) and digit runs numerically. A missing revision equals
//! `0`. Implemented by the `debversion` crate, checked below against the policy's examples and
//! dpkg's own test cases.

use std::cmp::Ordering;

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub(crate) struct DpkgVersion(debversion::Version);

impl DpkgVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty version".to_owned());
        }
        if let Some((epoch, _)) = text.split_once(':') {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return Err("epoch is not a number".to_owned());
            }
        }
        text.parse::<debversion::Version>()
            .map(Self)
            .map_err(|e| e.to_string())
    }
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
        self.0.cmp(&other.0)
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
