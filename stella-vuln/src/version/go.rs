//! Go module versions, ordered as `golang.org/x/mod/semver` does: a `v` prefix (optional here,
//! since OSV's Go records omit it), shorthands `v1` = `v1.0.0` and `v1.2` = `v1.2.0` (without
//! pre-release or build), SemVer 2.0 precedence, build metadata ignored — so `+incompatible`
//! does not change the order. Pseudo-versions (`v0.0.0-20200220183623-bac4c82f6975`,
//! `v1.2.4-0.20191109021931-daa7c04131f5`) are pre-releases and order by their timestamp as the
//! go command intends. Toolchain versions as Go build info and the stdlib use them (`go1.21.5`,
//! `go1.21rc2`, `go1.20`) are mapped to SemVer (`1.21.5`, `1.21.0-rc.2`, `1.20.0`) as vulndb
//! does. Parsing by the `semver` crate.

use std::cmp::Ordering;

/// A parsed Go version (build metadata dropped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GoVersion(semver::Version);

fn toolchain_to_semver(rest: &str) -> Result<String, String> {
    let split = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (num, pre) = rest.split_at(split);
    let mut parts: Vec<&str> = num.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err("bad toolchain version".to_owned());
    }
    while parts.len() < 3 {
        parts.push("0");
    }
    let mut out = parts.join(".");
    if !pre.is_empty() {
        let d = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
        let (word, n) = pre.split_at(d);
        out.push('-');
        out.push_str(word);
        if !n.is_empty() {
            out.push('.');
            out.push_str(n);
        }
    }
    Ok(out)
}

impl GoVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let owned;
        let t = if let Some(rest) = t.strip_prefix("go") {
            owned = toolchain_to_semver(rest)?;
            owned.as_str()
        } else {
            t.strip_prefix('v').unwrap_or(t)
        };
        let core_end = t.find(['-', '+']).unwrap_or(t.len());
        let dots = t.get(..core_end).unwrap_or("").matches('.').count();
        let owned2;
        let t = if dots < 2 {
            if core_end != t.len() {
                return Err("shorthand versions cannot carry a pre-release or build".to_owned());
            }
            owned2 = if dots == 0 {
                format!("{t}.0.0")
            } else {
                format!("{t}.0")
            };
            owned2.as_str()
        } else {
            t
        };
        let mut v = semver::Version::parse(t).map_err(|e| e.to_string())?;
        v.build = semver::BuildMetadata::EMPTY;
        Ok(Self(v))
    }
}

const _: fn(&GoVersion, &GoVersion) -> Ordering = Ord::cmp;

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// `golang.org/x/mod/semver`'s test list (each entry below the next), pseudo-version and
    /// `+incompatible` rules from the go command docs, toolchain names from go.dev/doc/toolchain.
    const TABLE: &[(&str, char, &str)] = &[
        ("v1.0.0-alpha", '<', "v1.0.0-alpha.1"),
        ("v1.0.0-alpha.1", '<', "v1.0.0-alpha.beta"),
        ("v1.0.0-alpha.beta", '<', "v1.0.0-beta"),
        ("v1.0.0-beta", '<', "v1.0.0-beta.2"),
        ("v1.0.0-beta.2", '<', "v1.0.0-beta.11"),
        ("v1.0.0-beta.11", '<', "v1.0.0-rc.1"),
        ("v1.0.0-rc.1", '<', "v1"),
        ("v1", '=', "v1.0"),
        ("v1.0", '=', "v1.0.0"),
        ("v1.0.0", '<', "v1.2"),
        ("v1.2", '=', "v1.2.0"),
        ("v1.2.0", '<', "v1.2.3-456"),
        ("v1.2.3-456", '<', "v1.2.3-456.789"),
        ("v1.2.3-456.789", '<', "v1.2.3-456-789"),
        ("v1.2.3-456-789", '<', "v1.2.3-456a"),
        ("v1.2.3-456a", '<', "v1.2.3-pre"),
        ("v1.2.3-pre", '=', "v1.2.3-pre+meta"),
        ("v1.2.3-pre+meta", '<', "v1.2.3-pre.1"),
        ("v1.2.3-pre.1", '<', "v1.2.3-zzz"),
        ("v1.2.3-zzz", '<', "v1.2.3"),
        ("v1.2.3", '=', "v1.2.3+meta"),
        ("v1.2.3+meta", '=', "v1.2.3+meta-pre"),
        ("v1.2.3+meta-pre", '=', "v1.2.3+meta-pre.sha.256a"),
        // OSV's Go records write versions without the `v`
        ("1.2.3", '=', "v1.2.3"),
        ("0.17.0", '<', "v0.18.0"),
        // pseudo-versions
        ("v0.0.0-20200220183623-bac4c82f6975", '<', "v0.0.0"),
        (
            "v0.0.0-20200220183623-bac4c82f6975",
            '<',
            "v0.0.0-20200221000000-abcdef123456",
        ),
        (
            "v0.0.0-20191109021931-daa7c04131f5",
            '<',
            "0.0.0-20200220183623-bac4c82f6975",
        ),
        ("v1.2.4-0.20191109021931-daa7c04131f5", '>', "v1.2.3"),
        ("v1.2.4-0.20191109021931-daa7c04131f5", '<', "v1.2.4"),
        (
            "v1.2.4-0.20191109021931-daa7c04131f5",
            '<',
            "v1.2.4-0.20200101000000-0123456789ab",
        ),
        (
            "v1.2.3-pre.0.20191109021931-daa7c04131f5",
            '>',
            "v1.2.3-pre",
        ),
        ("v1.2.3-pre.0.20191109021931-daa7c04131f5", '<', "v1.2.3"),
        ("v0.0.0-20210220033148-5ea612d1eb83", '<', "v0.1.0"),
        // +incompatible is build metadata
        ("v2.0.0+incompatible", '=', "v2.0.0"),
        ("v2.0.0+incompatible", '>', "v1.9.9"),
        (
            "v17.12.0-ce-rc1.0.20200916142827-bd33bbf0497b+incompatible",
            '<',
            "v17.12.0",
        ),
        ("v20.10.24+incompatible", '<', "v24.0.7+incompatible"),
        ("v24.0.7+incompatible", '<', "v24.0.9+incompatible"),
        // toolchain / stdlib versions
        ("go1.21.5", '=', "1.21.5"),
        ("go1.21", '=', "1.21.0"),
        ("go1.21rc2", '=', "1.21.0-rc.2"),
        ("go1.21rc2", '<', "go1.21.0"),
        ("go1.21rc2", '>', "go1.21rc1"),
        ("go1.9beta1", '<', "go1.9"),
        ("go1.20.14", '<', "go1.21.0"),
        ("go1.22.0", '>', "go1.21.13"),
        ("1.22.1", '<', "go1.22.2"),
        ("v1.60.0", '>', "v1.6.0"),
        ("v1.58.3", '<', "v1.60.1"),
        ("v0.23.0", '<', "v0.33.0"),
        (
            "v0.0.0-20240213143201-ec583247a57a",
            '>',
            "v0.0.0-20231012003039-104605ab7028",
        ),
    ];

    #[test]
    fn go_table() {
        check_table(Scheme::Go, TABLE);
    }

    #[test]
    fn go_rejects_garbage() {
        for bad in [
            "",
            "v1-pre",
            "v1.2-pre",
            "v1.2+meta",
            "(devel)",
            "vx",
            "v1.2.3.4",
        ] {
            assert!(Scheme::Go.parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn go_total_order(
            a in "v[0-9]\\.[0-9]{1,2}\\.[0-9](-(0\\.2020[0-9]{4}|rc\\.[1-9]|pre))?(\\+incompatible)?",
            b in "v[0-9]\\.[0-9]{1,2}\\.[0-9](-(0\\.2020[0-9]{4}|rc\\.[1-9]|pre))?(\\+incompatible)?",
            c in "v[0-9](\\.[0-9]{1,2})?",
        ) {
            check_total_order(Scheme::Go, &a, &b, &c);
        }
    }
}
