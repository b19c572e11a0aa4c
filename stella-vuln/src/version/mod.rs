//! Version ordering, one submodule per ecosystem family.
//!
//! OSV ranges are only meaningful under the ordering of the ecosystem that published them. Each
//! submodule documents the rules it implements, which upstream tool it follows, and carries a
//! table test of tricky pairs taken from that ecosystem's documentation and tooling, plus
//! property tests for the order (antisymmetry; transitivity where the reference is transitive).
//!
//! | scheme | ecosystems | implementation |
//! |---|---|---|
//! | [`Scheme::Dpkg`] | `Debian`, `Ubuntu` | own (dpkg `parseversion` + `verrevcmp`; the `debversion` crate disagreed with dpkg) |
//! | [`Scheme::Rpm`] | `Red Hat`, `AlmaLinux`, `Rocky Linux`, `openSUSE`, `SUSE`, `Mageia`, `Azure Linux`, `Photon OS` | `rpm-version` crate (`rpmvercmp` with `~` and `^`) |
//! | [`Scheme::Apk`] | `Alpine`, `Wolfi`, `Chainguard` | own (apk-tools rules; apk's invalid versions as osv-scalibr orders them; no maintained crate) |
//! | [`Scheme::Pep440`] | `PyPI` | `pep440_rs` crate |
//! | [`Scheme::Npm`] | `npm` | `semver` crate parse, node-semver's strict parser and precedence (build ignored, `v` allowed, `MAX_SAFE_INTEGER`) |
//! | [`Scheme::Go`] | `Go` | `semver` crate parse, `golang.org/x/mod/semver` rules (`v`, shorthand, build ignored) |
//! | [`Scheme::Cargo`] | `crates.io` | `semver` crate (SemVer precedence: build ignored; a leading `v` tolerated) |
//! | [`Scheme::Maven`] | `Maven` | own (maven-artifact 3.8.7 `ComparableVersion`, exactly; no crate) |
//! | [`Scheme::RubyGems`] | `RubyGems` | own (`Gem::Version#<=>`; no crate) |
//!
//! `tests/interop/versions.sh` checks dpkg, RPM, PEP 440, npm, Go and Maven differentially
//! against the reference tools, and `tests/version_fixtures.rs` every scheme against
//! osv-scalibr's ordering fixtures. Maven's and apk's reference orders are not transitive;
//! sorting by version goes through a merge sort that cannot panic on that.
//!
//! Any other ecosystem gives [`VulnError::UnknownEcosystem`]; a version that does not parse gives
//! [`VulnError::Version`]. Neither is ever read as "not affected": the matcher reports both.

mod apk;
mod cargo;
mod dpkg;
mod go;
mod maven;
mod npm;
mod pypi;
mod rpm;
mod rubygems;

use std::cmp::Ordering;

use crate::error::{VersionProblem, VulnError};

/// A version ordering scheme (one per ecosystem family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Debian / Ubuntu dpkg versions.
    Dpkg,
    /// RPM epoch:version-release.
    Rpm,
    /// Alpine apk versions.
    Apk,
    /// PEP 440 (PyPI).
    Pep440,
    /// node-semver (npm).
    Npm,
    /// Go module versions.
    Go,
    /// SemVer as Cargo orders it (crates.io).
    Cargo,
    /// Maven `ComparableVersion`.
    Maven,
    /// RubyGems `Gem::Version`.
    RubyGems,
}

/// A parsed version under one [`Scheme`]; versions of different schemes do not compare.
#[derive(Debug, Clone)]
pub struct Version(Inner);

#[derive(Debug, Clone)]
enum Inner {
    Dpkg(dpkg::DpkgVersion),
    Rpm(rpm::RpmVersion),
    Apk(apk::ApkVersion),
    Pep440(pypi::PypiVersion),
    Npm(npm::NpmVersion),
    Go(go::GoVersion),
    Cargo(cargo::CargoVersion),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::GemVersion),
}

impl Scheme {
    /// The scheme of an OSV ecosystem name. Distro ecosystems carry a release after a colon
    /// (`Debian:12`, `Alpine:v3.20`, `Ubuntu:22.04:LTS`); only the part before it chooses the
    /// scheme.
    ///
    /// ```
    /// use stella_vuln::version::Scheme;
    /// assert_eq!(Scheme::for_ecosystem("Debian:12").unwrap(), Scheme::Dpkg);
    /// assert!(Scheme::for_ecosystem("Hackage").is_err());
    /// ```
    pub fn for_ecosystem(ecosystem: &str) -> Result<Self, VulnError> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        Ok(match base {
            "Debian" | "Ubuntu" => Self::Dpkg,
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia"
            | "Azure Linux" | "Photon OS" => Self::Rpm,
            "Alpine" | "Wolfi" | "Chainguard" => Self::Apk,
            "PyPI" => Self::Pep440,
            "npm" => Self::Npm,
            "Go" => Self::Go,
            "crates.io" => Self::Cargo,
            "Maven" => Self::Maven,
            "RubyGems" => Self::RubyGems,
            _ => {
                return Err(VulnError::UnknownEcosystem {
                    ecosystem: ecosystem.to_owned(),
                });
            }
        })
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Dpkg => "dpkg",
            Self::Rpm => "rpm",
            Self::Apk => "apk",
            Self::Pep440 => "pep440",
            Self::Npm => "npm",
            Self::Go => "go",
            Self::Cargo => "cargo",
            Self::Maven => "maven",
            Self::RubyGems => "rubygems",
        }
    }

    /// Parses a version under this scheme.
    pub fn parse(self, text: &str) -> Result<Version, VulnError> {
        let problem = |reason: VersionProblem| VulnError::Version {
            ecosystem: self.name().to_owned(),
            version: text.to_owned(),
            reason,
        };
        let err = |parser_message: String| problem(VersionProblem::Grammar { parser_message });
        if text.len() > MAX_VERSION_LEN {
            return Err(problem(VersionProblem::TooLong {
                max: MAX_VERSION_LEN,
            }));
        }
        let inner = match self {
            Self::Dpkg => Inner::Dpkg(dpkg::DpkgVersion::parse(text).map_err(err)?),
            Self::Rpm => Inner::Rpm(rpm::RpmVersion::parse(text).map_err(err)?),
            Self::Apk => Inner::Apk(apk::ApkVersion::parse(text).map_err(err)?),
            Self::Pep440 => Inner::Pep440(pypi::PypiVersion::parse(text).map_err(err)?),
            Self::Npm => Inner::Npm(npm::NpmVersion::parse(text).map_err(err)?),
            Self::Go => Inner::Go(go::GoVersion::parse(text).map_err(err)?),
            Self::Cargo => Inner::Cargo(cargo::CargoVersion::parse(text).map_err(err)?),
            Self::Maven => Inner::Maven(maven::MavenVersion::parse(text).map_err(err)?),
            Self::RubyGems => Inner::RubyGems(rubygems::GemVersion::parse(text).map_err(err)?),
        };
        Ok(Version(inner))
    }

    /// Compares two version strings under this scheme.
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// use stella_vuln::version::Scheme;
    /// assert_eq!(Scheme::Dpkg.compare("1.0~rc1-1", "1.0-1").unwrap(), Ordering::Less);
    /// assert_eq!(Scheme::Pep440.compare("1.0.post1", "1.0").unwrap(), Ordering::Greater);
    /// ```
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VulnError> {
        let a = self.parse(a)?;
        let b = self.parse(b)?;
        a.compare(&b).ok_or_else(|| VulnError::Version {
            ecosystem: self.name().to_owned(),
            version: String::new(),
            reason: VersionProblem::DifferentSchemes,
        })
    }
}

/// Versions longer than this are refused (hostile input bound).
pub const MAX_VERSION_LEN: usize = 256;

impl Version {
    /// The scheme the version was parsed under.
    pub fn scheme(&self) -> Scheme {
        match &self.0 {
            Inner::Dpkg(_) => Scheme::Dpkg,
            Inner::Rpm(_) => Scheme::Rpm,
            Inner::Apk(_) => Scheme::Apk,
            Inner::Pep440(_) => Scheme::Pep440,
            Inner::Npm(_) => Scheme::Npm,
            Inner::Go(_) => Scheme::Go,
            Inner::Cargo(_) => Scheme::Cargo,
            Inner::Maven(_) => Scheme::Maven,
            Inner::RubyGems(_) => Scheme::RubyGems,
        }
    }

    /// Orders two versions of the same scheme; `None` across schemes.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        Some(match (&self.0, &other.0) {
            (Inner::Dpkg(a), Inner::Dpkg(b)) => a.cmp(b),
            (Inner::Rpm(a), Inner::Rpm(b)) => a.cmp(b),
            (Inner::Apk(a), Inner::Apk(b)) => a.cmp(b),
            (Inner::Pep440(a), Inner::Pep440(b)) => a.cmp(b),
            (Inner::Npm(a), Inner::Npm(b)) => a.cmp(b),
            (Inner::Go(a), Inner::Go(b)) => a.cmp(b),
            (Inner::Cargo(a), Inner::Cargo(b)) => a.cmp(b),
            (Inner::Maven(a), Inner::Maven(b)) => a.cmp(b),
            (Inner::RubyGems(a), Inner::RubyGems(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

/// A stable merge sort that never panics, whatever `cmp` answers.
///
/// Some reference orders are not transitive (Maven's `ComparableVersion`, apk's invalid
/// versions), and the standard library's sorts may panic when they detect such a comparator
/// ("user-provided comparison function does not correctly implement a total order"). Versions
/// come from untrusted records, so callers that sort by version use this instead: with a total
/// order it gives the same result as `slice::sort_by`; without one, some permutation.
pub(crate) fn sort_by_version<T>(items: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    merge_sort(&mut order, |&a, &b| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => Ordering::Equal,
    });
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(
        order
            .iter()
            .filter_map(|&i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// Bottom-up stable merge sort of a `Copy` slice; only ever indexes in bounds, never panics.
fn merge_sort<T: Copy>(items: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let n = items.len();
    let mut buf: Vec<T> = Vec::with_capacity(n);
    let mut len = 1;
    while len < n {
        let mut start = 0;
        while start < n {
            let mid = (start + len).min(n);
            let end = (start + 2 * len).min(n);
            buf.clear();
            let (mut i, mut j) = (start, mid);
            while i < mid || j < end {
                let take_left = match (items.get(i), items.get(j)) {
                    (Some(l), Some(r)) if i < mid && j < end => cmp(r, l) != Ordering::Less,
                    _ => i < mid,
                };
                let k = if take_left { &mut i } else { &mut j };
                if let Some(item) = items.get(*k) {
                    buf.push(*item);
                }
                *k += 1;
            }
            if let Some(dst) = items.get_mut(start..end).filter(|d| d.len() == buf.len()) {
                dst.copy_from_slice(&buf);
            }
            start = end;
        }
        len = len.saturating_mul(2);
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// Checks a table of `(a, op, b)` rows, both ways round.
    pub fn check_table(scheme: Scheme, rows: &[(&str, char, &str)]) {
        assert!(rows.len() >= 50, "{scheme:?}: only {} rows", rows.len());
        for (a, op, b) in rows {
            let want = match op {
                '<' => Ordering::Less,
                '=' => Ordering::Equal,
                '>' => Ordering::Greater,
                _ => panic!("bad op {op}"),
            };
            let got = scheme
                .compare(a, b)
                .unwrap_or_else(|e| panic!("{scheme:?} {a} {op} {b}: {e}"));
            assert_eq!(got, want, "{scheme:?}: {a} {op} {b}");
            let back = scheme.compare(b, a).unwrap();
            assert_eq!(back, want.reverse(), "{scheme:?}: {b} vs {a} (reversed)");
        }
    }

    /// Antisymmetry and transitivity on three versions that parse.
    pub fn check_total_order(scheme: Scheme, a: &str, b: &str, c: &str) {
        let (Ok(va), Ok(vb), Ok(vc)) = (scheme.parse(a), scheme.parse(b), scheme.parse(c)) else {
            return;
        };
        let ab = va.compare(&vb).unwrap();
        let ba = vb.compare(&va).unwrap();
        assert_eq!(ab, ba.reverse(), "antisymmetry {a} {b}");
        assert_eq!(va.compare(&va).unwrap(), Ordering::Equal, "reflexive {a}");
        let bc = vb.compare(&vc).unwrap();
        let ac = va.compare(&vc).unwrap();
        if ab != Ordering::Greater && bc != Ordering::Greater {
            assert_ne!(ac, Ordering::Greater, "transitivity {a} <= {b} <= {c}");
        }
        if ab != Ordering::Less && bc != Ordering::Less {
            assert_ne!(ac, Ordering::Less, "transitivity {a} >= {b} >= {c}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_map_to_schemes() {
        assert_eq!(
            Scheme::for_ecosystem("Ubuntu:22.04:LTS").unwrap(),
            Scheme::Dpkg
        );
        assert_eq!(Scheme::for_ecosystem("Alpine:v3.20").unwrap(), Scheme::Apk);
        assert_eq!(
            Scheme::for_ecosystem("Red Hat:enterprise_linux:9").unwrap(),
            Scheme::Rpm
        );
        assert_eq!(Scheme::for_ecosystem("crates.io").unwrap(), Scheme::Cargo);
        assert!(matches!(
            Scheme::for_ecosystem("Packagist"),
            Err(VulnError::UnknownEcosystem { .. })
        ));
    }

    #[test]
    fn overlong_versions_are_refused() {
        let long = "1".repeat(MAX_VERSION_LEN + 1);
        assert!(matches!(
            Scheme::Npm.parse(&long),
            Err(VulnError::Version { .. })
        ));
    }

    #[test]
    fn merge_sort_is_stable_and_survives_cycles() {
        let mut v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_by_version(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        // Maven's own cycle: 9-alpha > 9.sp-0 > 9 > 9-alpha. Any permutation, no panic.
        let mut cyc: Vec<Version> = ["9", "9-alpha", "9.sp-0", "5.0.0.rc1", "5", "5-1"]
            .iter()
            .cycle()
            .take(600)
            .map(|t| Scheme::Maven.parse(t).unwrap())
            .collect();
        sort_by_version(&mut cyc, |a, b| a.compare(b).unwrap());
        assert_eq!(cyc.len(), 600);
        let mut nums: Vec<u32> = (0..1000).map(|i| (i * 7919) % 1009).collect();
        let mut want = nums.clone();
        want.sort();
        sort_by_version(&mut nums, Ord::cmp);
        assert_eq!(nums, want);
    }

    #[test]
    fn schemes_do_not_cross_compare() {
        let a = Scheme::Npm.parse("1.0.0").unwrap();
        let b = Scheme::Cargo.parse("1.0.0").unwrap();
        assert_eq!(a.compare(&b), None);
    }
}
