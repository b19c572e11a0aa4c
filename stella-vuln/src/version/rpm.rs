//! RPM versions: `[epoch:]version[-release]`, ordered as rpm's `rpmvercmp` does on each of
//! epoch (missing = 0), version and release: alphanumeric segments, digits numerically and
//! greater than letters, `~` sorting before everything (pre-releases) and `^` after the end of
//! the string but before any further segment (post-release snapshots). A missing release
//! compares lower than any release, even an empty one (`1 < 1-`), as rpm 4.18's
//! `rpmverCmp` (`rpm.vercmp` in rpm's Lua) does.
//!
//! The text is split as rpm 4.18's `rpmverParse` does: an epoch is the run of leading digits
//! when a `:` follows it (`:1` has epoch 0); otherwise there is no epoch and the colon belongs
//! to the version (`a:1` and `1.m+e2:1` are versions, not errors). The release is what follows
//! the last `-`. Only the empty string is refused (as rpm refuses it), plus whitespace, which
//! no RPM version carries. Each field is compared with `rpmvercmp`, implemented by the
//! `rpm-version` crate; `tests/interop/versions.sh` checks the whole against rpm's own Lua
//! `rpm.vercmp`.

use std::cmp::Ordering;

use rpm_version::Evr;

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub(crate) struct RpmVersion {
    /// Decimal digits (`"0"` when absent or empty).
    epoch: String,
    version: String,
    release: Option<String>,
}

/// `rpmvercmp` on two strings (the crate compares the fields of an EVR with it).
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    Evr::new("0", a, "").cmp(&Evr::new("0", b, ""))
}

impl RpmVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty version".to_owned());
        }
        if text.chars().any(char::is_whitespace) {
            return Err("contains whitespace".to_owned());
        }
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = match (text.get(..digits), text.get(digits..)) {
            (Some(e), Some(rest)) if rest.starts_with(':') => (
                if e.is_empty() { "0" } else { e },
                rest.get(1..).unwrap_or(""),
            ),
            _ => ("0", text),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, Some(r.to_owned())),
            None => (rest, None),
        };
        Ok(Self {
            epoch: epoch.to_owned(),
            version: version.to_owned(),
            release,
        })
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
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
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
        assert!(Scheme::Rpm.parse(" 1").is_err());
        // rpm 4.18 parses these: a colon after a non-digit belongs to the version.
        use std::cmp::Ordering::{Equal, Less};
        for (a, want, b) in [
            ("x:1.0", Equal, "x:1.0"),
            ("-1", Less, "1"),
            (":1", Equal, "0:1"),
            ("1", Less, "1-"),
        ] {
            assert_eq!(Scheme::Rpm.compare(a, b).unwrap(), want, "{a} {b}");
        }
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
