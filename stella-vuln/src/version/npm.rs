//! npm versions, ordered as node-semver does: SemVer 2.0 precedence (major, minor, patch
//! numerically; a pre-release sorts before its release; pre-release identifiers compare
//! numerically when numeric, as ASCII otherwise, numeric below alphanumeric, and a longer list
//! above its prefix). Build metadata is ignored (`1.2.3+a == 1.2.3+b`). Parsing is
//! node-semver's strict parser (`semver.parse`, what `semver.compare` uses): surrounding
//! whitespace trimmed, one optional lower-case `v`, then SemVer 2.0 (no `=`, no `V`, no leading
//! zeroes); major, minor and patch at most `Number.MAX_SAFE_INTEGER`, as node-semver refuses
//! larger ones. node-semver compares numeric pre-release identifiers of `MAX_SAFE_INTEGER` and
//! above as JavaScript numbers (rounded doubles); rather than reproduce the rounding, such
//! versions are refused (a bound, counted separately by `tests/interop/versions.sh`). Parsing
//! by the `semver` crate; build metadata is dropped so that the crate's order is SemVer
//! precedence.

use std::cmp::Ordering;

/// A parsed npm version (build metadata dropped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NpmVersion(semver::Version);

impl NpmVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let mut v = semver::Version::parse(t).map_err(|e| e.to_string())?;
        if [v.major, v.minor, v.patch]
            .iter()
            .any(|n| *n > MAX_SAFE_INTEGER)
        {
            return Err("a number above Number.MAX_SAFE_INTEGER".to_owned());
        }
        let too_big = |id: &str| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && id.parse::<u64>().map_or(true, |n| n >= MAX_SAFE_INTEGER)
        };
        if v.pre.split('.').any(too_big) {
            return Err(
                "a numeric pre-release identifier of Number.MAX_SAFE_INTEGER or more".to_owned(),
            );
        }
        v.build = semver::BuildMetadata::EMPTY;
        Ok(Self(v))
    }
}

/// JavaScript's `Number.MAX_SAFE_INTEGER`, node-semver's limit.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

const _: fn(&NpmVersion, &NpmVersion) -> Ordering = Ord::cmp;

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// node-semver's `test/fixtures/comparisons.js` and `equality.js`, and the SemVer 2.0
    /// spec's §11 precedence example.
    const TABLE: &[(&str, char, &str)] = &[
        ("0.0.0", '>', "0.0.0-foo"),
        ("0.0.1", '>', "0.0.0"),
        ("1.0.0", '>', "0.9.9"),
        ("0.10.0", '>', "0.9.0"),
        ("0.99.0", '>', "0.10.0"),
        ("2.0.0", '>', "1.2.3"),
        ("v0.0.0", '>', "0.0.0-foo"),
        ("v0.0.1", '>', "0.0.0"),
        ("v1.0.0", '>', "0.9.9"),
        ("v0.10.0", '>', "0.9.0"),
        ("v0.99.0", '>', "0.10.0"),
        ("v2.0.0", '>', "1.2.3"),
        ("0.0.0", '>', "v0.0.0-foo"),
        ("1.2.3", '>', "1.2.3-asdf"),
        ("1.2.3", '>', "1.2.3-4"),
        ("1.2.3", '>', "1.2.3-4-foo"),
        ("1.2.3-5-foo", '>', "1.2.3-5"),
        ("1.2.3-5", '>', "1.2.3-4"),
        ("1.2.3-5-foo", '>', "1.2.3-5-Foo"),
        ("3.0.0", '>', "2.7.2+asdf"),
        ("1.2.3-a.10", '>', "1.2.3-a.5"),
        ("1.2.3-a.b", '>', "1.2.3-a.5"),
        ("1.2.3-a.b", '>', "1.2.3-a"),
        ("1.2.3-a.b.c.10.d.5", '>', "1.2.3-a.b.c.5.d.100"),
        ("1.2.3-r2", '>', "1.2.3-r100"),
        ("1.2.3-r100", '>', "1.2.3-R2"),
        ("1.2.3", '=', "v1.2.3"),
        ("1.2.3", '=', " v1.2.3"),
        ("1.2.3-0", '=', "v1.2.3-0"),
        ("1.2.3-beta", '=', "v1.2.3-beta"),
        ("1.2.3-beta+build", '=', "1.2.3-beta+otherbuild"),
        ("1.2.3+build", '=', "1.2.3+otherbuild"),
        ("  v1.2.3+build", '=', "1.2.3+otherbuild"),
        ("9007199254740991.0.0", '>', "9007199254740990.0.0"),
        // real npm advisory bounds (lodash, minimist, axios, express)
        ("4.17.20", '<', "4.17.21"),
        ("1.2.5", '<', "1.2.6"),
        ("0.21.1", '<', "0.21.2"),
        ("1.0.0-alpha.1", '<', "1.0.0"),
        ("4.17.3", '<', "4.19.2"),
        ("5.0.0-beta.1", '<', "5.0.0-beta.3"),
        ("v4.17.21", '=', "4.17.21"),
        ("1.0.0-9007199254740990", '>', "1.0.0-2"),
        // SemVer 2.0 §11
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
        // real npm advisories' boundaries
        ("4.17.20", '<', "4.17.21"),
        ("7.0.0-rc.0", '<', "7.0.0"),
        ("10.0.0-beta.1", '>', "9.99.99"),
    ];

    #[test]
    fn npm_table() {
        check_table(Scheme::Npm, TABLE);
    }

    #[test]
    fn npm_rejects_garbage() {
        for bad in [
            "",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.3-",
            "latest",
            // node-semver's strict parser refuses these (its loose one takes them)
            "=1.2.3",
            "V1.2.3",
            "v 1.2.3",
            "9007199254740992.0.0",
            "1.0.0-9007199254740991",
        ] {
            assert!(Scheme::Npm.parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn npm_total_order(
            a in "v?[0-9]\\.[0-9]{1,2}\\.[0-9](-(alpha|beta|[1-9]|x1)(\\.(alpha|[1-9])){0,2})?(\\+b[0-9])?",
            b in "v?[0-9]\\.[0-9]{1,2}\\.[0-9](-(alpha|beta|[1-9]|x1)(\\.(alpha|[1-9])){0,2})?(\\+b[0-9])?",
            c in "v?[0-9]\\.[0-9]{1,2}\\.[0-9](-(alpha|beta|[1-9]|x1)(\\.(alpha|[1-9])){0,2})?(\\+b[0-9])?",
        ) {
            check_total_order(Scheme::Npm, &a, &b, &c);
        }
    }
}
