//! RPM versions: `[epoch:]version[-release]`, ordered as rpm's `rpmvercmp` does on each of
//! epoch (missing = 0), version and release: alphanumeric segments, digits numerically and
//! greater than letters, `~` sorting before everything (pre-releases) and `^` after the end of
//! the string but before any further segment (post-release snapshots). A missing release
//! compares lower than any release (OSV records for RPM distros always carry one). Implemented
//! by the `rpm-version` crate, checked below against rpm's own `rpmvercmp.at` cases.

use std::cmp::Ordering;

use rpm_version::Evr;

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub(crate) struct RpmVersion(Evr<'static>);

impl RpmVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty version".to_owned());
        }
        if text.chars().any(char::is_whitespace) {
            return Err("contains whitespace".to_owned());
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("epoch is not a number".to_owned());
                }
                (e, rest)
            }
            None => ("", text),
        };
        let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
        if version.is_empty() {
            return Err("empty version part".to_owned());
        }
        Ok(Self(Evr::new(
            epoch.to_owned(),
            version.to_owned(),
            release.to_owned(),
        )))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for RpmVersion {}
impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// rpm's `tests/rpmvercmp.at`, plus EVR cases from RHEL errata.
    const TABLE: &[(&str, char, &str)] = &[
        ("1.0", '=', "1.0"),
        ("1.0", '<', "2.0"),
        ("2.0.1", '=', "2.0.1"),
        ("2.0", '<', "2.0.1"),
        ("2.0.1a", '>', "2.0.1"),
        ("5.5p1", '<', "5.5p2"),
        ("5.5p10", '>', "5.5p1"),
        ("10xyz", '<', "10.1xyz"),
        ("xyz10", '<', "xyz10.1"),
        ("xyz.4", '<', "8"),
        ("xyz.4", '<', "2"),
        ("5.5p2", '<', "5.6p1"),
        ("5.6p1", '<', "6.5p1"),
        ("6.0.rc1", '>', "6.0"),
        ("10b2", '>', "10a1"),
        ("10a2", '<', "10b2"),
        ("1.0aa", '=', "1.0aa"),
        ("1.0a", '<', "1.0aa"),
        ("10.0001", '=', "10.1"),
        ("10.0001", '<', "10.0039"),
        ("4.999.9", '<', "5.0"),
        ("20101121", '<', "20101122"),
        ("2_0", '=', "2.0"),
        ("a+", '=', "a_"),
        ("+a", '=', "_a"),
        ("1.0~rc1", '<', "1.0"),
        ("1.0~rc1", '<', "1.0~rc2"),
        ("1.0~rc1~git123", '<', "1.0~rc1"),
        ("1.0^", '>', "1.0"),
        ("1.0^git1", '>', "1.0"),
        ("1.0^git1", '<', "1.0^git2"),
        ("1.0^git1", '<', "1.01"),
        ("1.0^20160101", '<', "1.0.1"),
        ("1.0^20160102", '>', "1.0^20160101^git1"),
        ("1.0~rc1^git1", '>', "1.0~rc1"),
        ("1.0^git1~pre", '<', "1.0^git1"),
        ("1.0^git1~pre", '>', "1.0"),
        // EVR: epoch first, then version, then release
        ("1:1.0-1", '>', "2.0-1"),
        ("0:1.0-1", '=', "1.0-1"),
        ("1.0-1", '<', "1.0-2"),
        ("1.0-1.el9", '<', "1.0-1.el9_1"),
        ("1.0-10.el9", '>', "1.0-9.el9"),
        ("3.0.7-24.el9", '<', "3.0.7-25.el9_3"),
        ("1:3.0.7-27.el9", '>', "3.0.7-28.el9"),
        ("2.34-83.el9_3.7", '<', "2.34-83.el9_3.12"),
        ("1.0-1", '>', "1.0"),
        ("1.0-1~rc", '<', "1.0-1"),
        ("4.18.0-513.5.1.el8_9", '<', "4.18.0-513.9.1.el8_9"),
        ("7.61.1-34.el8", '<', "7.61.1-34.el8_10.2"),
        ("1.2.3-1.fc40", '<', "1.2.3-2.fc40"),
        ("0.9.8zh-1", '<', "1.0.0-1"),
        ("2.02-150.el8", '<', "2.02-156.el8"),
    ];

    #[test]
    fn rpm_table() {
        check_table(Scheme::Rpm, TABLE);
    }

    #[test]
    fn rpm_rejects_garbage() {
        assert!(Scheme::Rpm.parse("").is_err());
        assert!(Scheme::Rpm.parse("x:1.0").is_err());
        assert!(Scheme::Rpm.parse("-1").is_err());
    }

    proptest! {
        #[test]
        fn rpm_total_order(
            a in "([0-2]:)?[0-9a-c~^._+]{1,6}(-[0-9a-c~^.]{1,4})?",
            b in "([0-2]:)?[0-9a-c~^._+]{1,6}(-[0-9a-c~^.]{1,4})?",
            c in "([0-2]:)?[0-9a-c~^._+]{1,6}(-[0-9a-c~^.]{1,4})?",
        ) {
            check_total_order(Scheme::Rpm, &a, &b, &c);
        }
    }
}
