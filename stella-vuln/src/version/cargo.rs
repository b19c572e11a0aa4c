//! crates.io versions: SemVer 2.0 precedence, parsed by the `semver` crate (the one Cargo
//! uses). Build metadata does not order versions (`1.2.3+a` = `1.2.3+b`, as SemVer 2.0 §10
//! says and osv-scalibr and OSV's crates.io ranges expect), so it is dropped when parsing;
//! crates.io refuses to publish two versions that differ only in build metadata, so no two
//! published versions become equal. A leading `v` is tolerated, as osv-scalibr does.

/// A parsed crates.io version (build metadata dropped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CargoVersion(semver::Version);

impl CargoVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut v = semver::Version::parse(text).map_err(|e| e.to_string())?;
        v.build = semver::BuildMetadata::EMPTY;
        Ok(Self(v))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// SemVer 2.0 §11, the `semver` crate's documented ordering, and RustSec advisory bounds.
    const TABLE: &[(&str, char, &str)] = &[
        ("1.0.0-alpha", '<', "1.0.0-alpha.1"),
        ("1.0.0-alpha.1", '<', "1.0.0-alpha.beta"),
        ("1.0.0-alpha.beta", '<', "1.0.0-beta"),
        ("1.0.0-beta", '<', "1.0.0-beta.2"),
        ("1.0.0-beta.2", '<', "1.0.0-beta.11"),
        ("1.0.0-beta.11", '<', "1.0.0-rc.1"),
        ("1.0.0-rc.1", '<', "1.0.0"),
        ("1.0.0", '<', "2.0.0"),
        ("2.0.0", '<', "2.1.0"),
        ("2.1.0", '<', "2.1.1"),
        ("0.0.1", '<', "0.0.2"),
        ("0.1.0", '>', "0.0.99"),
        ("0.10.0", '>', "0.9.0"),
        ("1.10.0", '>', "1.9.99"),
        ("1.0.10", '>', "1.0.9"),
        ("1.0.0-1", '<', "1.0.0-2"),
        ("1.0.0-2", '<', "1.0.0-10"),
        ("1.0.0-10", '<', "1.0.0-a"),
        ("1.0.0-a", '<', "1.0.0-b"),
        ("1.0.0-B", '<', "1.0.0-a"),
        ("1.0.0-a.1", '<', "1.0.0-a.1.1"),
        ("1.0.0-a-b", '>', "1.0.0-a"),
        ("1.0.0-0", '<', "1.0.0-alpha"),
        ("1.0.0-alpha.0", '<', "1.0.0-alpha.a"),
        ("1.0.0-x.7.z.92", '>', "1.0.0-x.7.z.91"),
        ("1.0.0-rc.1", '>', "1.0.0-beta.100"),
        ("1.0.0-rc.1", '<', "1.0.1-alpha"),
        ("1.0.0+build", '=', "1.0.0"),
        ("1.0.0+build.1", '=', "1.0.0+build.2"),
        ("1.0.0+build", '>', "1.0.0-rc.1"),
        ("1.0.0-rc.1+build", '=', "1.0.0-rc.1"),
        ("1.0.0+a", '=', "1.0.0+b"),
        ("v1.2.3", '=', "1.2.3"),
        ("1.0.0", '=', "1.0.0"),
        ("1.2.3-pre", '=', "1.2.3-pre"),
        ("1.2.3+meta", '=', "1.2.3+meta"),
        ("18446744073709551615.0.0", '>', "1.0.0"),
        // RustSec advisory bounds
        ("0.10.55", '<', "0.10.66"),
        ("1.8.0", '<', "1.8.1"),
        ("0.4.19", '<', "0.4.20"),
        ("1.27.2", '<', "1.28.0"),
        ("0.9.28", '<', "0.10.0"),
        ("0.17.4", '<', "0.17.5"),
        ("2.0.0-alpha.1", '<', "2.0.0"),
        ("2.0.0-alpha.1", '>', "1.99.0"),
        ("0.7.0-rc.1", '<', "0.7.0-rc.2"),
        ("3.0.0-beta.1", '<', "3.0.0-beta.10"),
        ("3.0.0-beta.9", '<', "3.0.0-beta.10"),
        ("0.3.0-alpha.0", '<', "0.3.0"),
        ("1.0.0-alpha.1", '<', "1.0.0-alpha.beta"),
        ("4.0.0", '>', "3.99.99-rc.1"),
        ("0.1.0-beta", '>', "0.1.0-alpha.9"),
    ];

    #[test]
    fn cargo_table() {
        check_table(Scheme::Cargo, TABLE);
    }

    #[test]
    fn cargo_rejects_garbage() {
        for bad in [
            "", "1.0", "vv1.0.0", "V1.0.0", "1.0.0-", "01.0.0", "1.0.0-01",
        ] {
            assert!(Scheme::Cargo.parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn cargo_total_order(
            a in "[0-9]\\.[0-9]{1,2}\\.[0-9](-(alpha|[1-9]|rc)(\\.[1-9]){0,2})?(\\+[a-c0-9]{1,2})?",
            b in "[0-9]\\.[0-9]{1,2}\\.[0-9](-(alpha|[1-9]|rc)(\\.[1-9]){0,2})?(\\+[a-c0-9]{1,2})?",
            c in "[0-9]\\.[0-9]{1,2}\\.[0-9](-(alpha|[1-9]|rc)(\\.[1-9]){0,2})?(\\+[a-c0-9]{1,2})?",
        ) {
            check_total_order(Scheme::Cargo, &a, &b, &c);
        }
    }
}
