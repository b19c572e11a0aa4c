#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! osv-scalibr's version ordering fixtures (tests/data/version-compare/, see its PROVENANCE.md),
//! every line of every file of every supported ecosystem, checked both ways round: `a op b`
//! must give `op` for compare(a, b) and its reverse for compare(b, a). Plus osv.dev's Alpine
//! converter lists of apk versions that must parse and must be rejected.

use std::cmp::Ordering;
use std::path::PathBuf;

use stella_vuln::version::Scheme;

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/version-compare")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a fixture: one `<a> <op> <b>` per line; `# ` and `// ` lines are comments.
fn rows(text: &str) -> Vec<(usize, String, Ordering, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts.as_slice() else {
            panic!("line {}: not `a op b`: {line}", n + 1);
        };
        let op = match *op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            other => panic!("line {}: bad operator {other}", n + 1),
        };
        out.push((n + 1, (*a).to_owned(), op, (*b).to_owned()));
    }
    out
}

/// One fixture row whose result here differs from the fixture's.
#[derive(Debug)]
struct Miss {
    a: String,
    b: String,
    /// Our order, or the versions of the row we refuse.
    got: Result<Ordering, Vec<String>>,
}

/// Every row of every file, both ways round (antisymmetry is asserted outright). Returns the
/// number of rows and the rows whose result differs from the fixture, for the caller to
/// assert on.
fn check(scheme: Scheme, files: &[&str]) -> (usize, Vec<Miss>) {
    let mut misses = Vec::new();
    let mut count = 0;
    for file in files {
        for (line, a, want, b) in rows(&data(file)) {
            count += 1;
            let fwd = scheme.compare(&a, &b);
            let back = scheme.compare(&b, &a);
            match (&fwd, &back) {
                (Ok(f), Ok(r)) => {
                    assert_eq!(
                        *f,
                        r.reverse(),
                        "{file}:{line}: {a} vs {b} not antisymmetric"
                    )
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{file}:{line}: {a} vs {b}: parses one way round only"),
            }
            match fwd {
                Ok(got) if got == want => {}
                Ok(got) => misses.push(Miss { a, b, got: Ok(got) }),
                Err(_) => {
                    let refused = [&a, &b]
                        .into_iter()
                        .filter(|v| scheme.parse(v).is_err())
                        .cloned()
                        .collect();
                    misses.push(Miss {
                        a,
                        b,
                        got: Err(refused),
                    });
                }
            }
        }
    }
    assert!(count > 0);
    (count, misses)
}

/// The misses must be exactly the refusals of `refused` (versions the ecosystem's reference
/// implementation refuses too; `tests/interop/versions.sh` checks that against it).
fn assert_only_refusals(scheme: Scheme, misses: &[Miss], refused: &[&str]) {
    let mut seen = std::collections::BTreeSet::new();
    for m in misses {
        match &m.got {
            Err(vs) if vs.iter().all(|v| refused.contains(&v.as_str())) => {
                seen.extend(vs.iter().cloned());
            }
            other => panic!("{scheme:?}: {} vs {}: {other:?}", m.a, m.b),
        }
    }
    let unseen: Vec<_> = refused.iter().filter(|v| !seen.contains(**v)).collect();
    assert!(
        unseen.is_empty(),
        "{scheme:?}: listed but not in the fixtures: {unseen:?}"
    );
}

/// Rows where Maven 3.9 changed the order (`CombinationItem`, MNG-7644 and friends) and this
/// implementation, like Debian's maven-artifact 3.8.7 that it is checked against, gives the
/// 3.8 answer: `(a, b, Maven 3.8.7's order of a and b)`. `tests/interop/versions.sh` feeds every
/// fixture pair to the 3.8.7 oracle, so each entry here is confirmed live.
const MAVEN_39_CHANGES: &[(&str, &str, Ordering)] = &[
    ("1-1", "1-ga-1", Ordering::Greater),
    ("1.0.0-RC16", "1.0.0.RC8-beta", Ordering::Greater),
    (
        "1.0.0-gradle-rework-beta3",
        "1.0.0.RC7-3",
        Ordering::Greater,
    ),
    ("2.9.0-1", "2.9.0.RC1", Ordering::Greater),
    ("6.1.12.rc5", "6.1.12rc1", Ordering::Greater),
    ("1.1.31.sec10", "1.1.31_noneautotype", Ordering::Greater),
    ("1.1.34.sec10", "1.1.34_noneautotype", Ordering::Greater),
    ("1.1.46.sec10", "1.1.46_noneautotype", Ordering::Greater),
    (
        "1.2.8.sec10_noneautotype",
        "1.2.8_noneautotype",
        Ordering::Greater,
    ),
    ("1.2.31.sec10", "1.2.31_noneautotype", Ordering::Greater),
    ("1.2.48.sec10", "1.2.48_noneautotype", Ordering::Greater),
    ("1.2.50.sec10", "1.2.50_noneautotype", Ordering::Greater),
    ("1.2.54.sec10", "1.2.54_noneautotype", Ordering::Greater),
    ("1.2.57.sec10", "1.2.57_noneautotype", Ordering::Greater),
    ("1.2.60.sec10", "1.2.60_noneautotype", Ordering::Greater),
    ("1.2.67.sec10", "1.2.67_noneautotype", Ordering::Greater),
    ("1.0.0rc0", "1.0.beta8", Ordering::Greater),
    ("1.5.9.RC1", "1.5.9-RC0", Ordering::Greater),
    ("1.1.0-01-glassfish", "1.1.0.Beta1", Ordering::Greater),
];

#[test]
fn maven_fixtures() {
    let (n, misses) = check(
        Scheme::Maven,
        &["maven-versions.txt", "maven-versions-generated.txt"],
    );
    assert!(n > 14_000, "{n}");
    for m in &misses {
        let listed = MAVEN_39_CHANGES
            .iter()
            .find(|(a, b, _)| (*a, *b) == (m.a.as_str(), m.b.as_str()))
            .unwrap_or_else(|| panic!("Maven: {} vs {}: {:?}", m.a, m.b, m.got));
        assert_eq!(m.got, Ok(listed.2), "{} vs {}", m.a, m.b);
    }
    assert_eq!(misses.len(), MAVEN_39_CHANGES.len(), "{misses:?}");
}

#[test]
fn rpm_fixtures() {
    let (n, misses) = check(Scheme::Rpm, &["redhat-versions.txt"]);
    assert!(n > 150, "{n}");
    assert!(misses.is_empty(), "{misses:#?}");
}

#[test]
fn alpine_fixtures() {
    let (n, misses) = check(
        Scheme::Apk,
        &["alpine-versions.txt", "alpine-versions-generated.txt"],
    );
    assert!(n > 14_000, "{n}");
    assert!(misses.is_empty(), "{misses:#?}");
}

#[test]
fn debian_fixtures() {
    let (n, misses) = check(
        Scheme::Dpkg,
        &["debian-versions.txt", "debian-versions-generated.txt"],
    );
    assert!(n > 14_000, "{n}");
    assert!(misses.is_empty(), "{misses:#?}");
}

/// osv-scalibr still orders pre-PEP 440 "legacy" versions as `packaging` < 22 did;
/// `packaging` 22 and later (the reference here) refuse them, and so does this.
const PYPI_LEGACY: &[&str] = &[
    "-class.-jw.util.version.Version-",
    "-class.-jw.util.version.version-dev",
    "-class.-jw.util.version.version-pre",
    "-class.-jw.util.version.version-preview",
    "0.0.1-test1",
    "0.1-bulbasaur",
    "0.1-charmander",
    "0.3.1-p1",
    "0.3m1",
    "0.3m2",
    "0.3m3",
    "0.3m4",
    "0.3m5",
    "0.4.0-p1",
    "0.4m1",
    "0.4m2",
    "0.4m3",
    "0.4m4",
    "0.4m5",
    "0.5m1",
    "0.5m2",
    "0.5m3",
    "0.5m4",
    "0.5m5",
    "0.6m1",
    "0.6m2",
    "0.6m3",
    "0.6m4",
    "0.6m5",
    "0.6m6",
    "0.7.1.fix1",
    "0.7.10p1",
    "0.7.11p1",
    "0.7.11p2",
    "0.7.11p3",
    "0.7.4.svn.r2010",
    "0.8.1p1",
    "0.8.3p1",
    "0.8.4p1",
    "0.8.4p2",
    "0.8.6p1",
    "0.8.7p1",
    "0.9-doduo",
    "0.9-eevee",
    "0.9-fearow",
    "0.9-gyarados",
    "0.9-horsea",
    "0.9-ivysaur",
    "1.0beta6.1",
    "1.3.1-STAGING",
    "2.0.0-final",
    "2.0.1rc2-git",
    "2013-01-21T20:33:09+0100",
    "2013-01-23T17:11:52+0100",
    "2013-02-01T20:50:46+0100",
    "2013-02-02T19:59:03+0100",
    "2013-02-02T20:23:17+0100",
    "2013-02-08T17:40:57+0000",
    "2013-03-27T16:32:26+0100",
    "2013-05-09T12:47:53+0200",
    "2013-05-10T17:55:56+0200",
    "2013-05-14T20:16:05+0200",
    "2013-06-01T10:32:51+0200",
    "2013-07-19T09:11:08+0000",
    "2013-08-12T21:48:56+0200",
    "2013-09-11T19-27-10",
    "2013-12-23T17-51-15",
    "2014-01-12T15-52-10",
    "4.11-final",
    "5.0-final",
    "a3",
    "trunk",
];

#[test]
fn pypi_fixtures() {
    let (n, misses) = check(
        Scheme::Pep440,
        &["pypi-versions.txt", "pypi-versions-generated.txt"],
    );
    assert!(n > 12_000, "{n}");
    assert_only_refusals(Scheme::Pep440, &misses, PYPI_LEGACY);
}

#[test]
fn rubygems_fixtures() {
    let (n, misses) = check(
        Scheme::RubyGems,
        &["rubygems-versions.txt", "rubygems-versions-generated.txt"],
    );
    assert!(n > 4_000, "{n}");
    // `Gem::Version` refuses a letter straight after the first number.
    assert_only_refusals(Scheme::RubyGems, &misses, &["1beta", "1gamma"]);
}

/// osv-scalibr's own SemVer reader takes numbers of any size, shorthand and extra components;
/// node-semver, the `semver` crate and (for the five components) Go refuse these.
const SEMVER_REFUSED: &[&str] = &[
    "999999999999999999999999999991",
    "999999999999999999999999999999",
    "999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991",
    "999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991",
    "1.1.3.4.5",
];

#[test]
fn semver_fixtures_npm() {
    let (_, misses) = check(Scheme::Npm, &["semver-versions.txt"]);
    assert_only_refusals(Scheme::Npm, &misses, SEMVER_REFUSED);
}

#[test]
fn semver_fixtures_crates_io() {
    let (_, misses) = check(Scheme::Cargo, &["semver-versions.txt"]);
    assert_only_refusals(Scheme::Cargo, &misses, SEMVER_REFUSED);
}

#[test]
fn semver_fixtures_go() {
    let (_, misses) = check(Scheme::Go, &["semver-versions.txt"]);
    assert_only_refusals(Scheme::Go, &misses, SEMVER_REFUSED);
}

fn list(name: &str) -> Vec<String> {
    data(name)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn alpine_valid_versions_parse() {
    let valid = list("alpine-valid-versions.txt");
    assert!(valid.len() > 150);
    let bad: Vec<_> = valid
        .iter()
        .filter(|v| Scheme::Apk.parse(v).is_err())
        .collect();
    assert!(bad.is_empty(), "{} rejected: {bad:?}", bad.len());
}

/// Hostile versions: the longest accepted text in shapes that stress each parser (deep Maven
/// nesting, many components, huge numbers, separator runs). Parsing never panics, a version
/// equals itself, orders are antisymmetric, and one byte more is refused as too long.
#[test]
fn hostile_versions_are_bounded() {
    use stella_vuln::version::MAX_VERSION_LEN;
    let fill = |unit: &str| unit.repeat(MAX_VERSION_LEN / unit.len().max(1) + 1);
    let shapes: Vec<String> = [
        "1.", "a1", "1a", "1-", "9", "0", "-", ".", "~", "^", "_p", ".r", "_rc1", "1:", "-r1",
        "+b", "x.", "1.0.", "0.", "\u{e9}1",
    ]
    .iter()
    .map(|u| fill(u))
    .collect();
    let schemes = [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Npm,
        Scheme::Go,
        Scheme::Cargo,
        Scheme::Maven,
        Scheme::RubyGems,
    ];
    for scheme in schemes {
        let mut parsed = Vec::new();
        for shape in &shapes {
            let cut: String = shape.chars().take(MAX_VERSION_LEN).collect();
            let cut = match cut
                .char_indices()
                .find(|(i, c)| i + c.len_utf8() > MAX_VERSION_LEN)
            {
                Some((i, _)) => cut[..i].to_owned(),
                None => cut,
            };
            assert!(cut.len() <= MAX_VERSION_LEN);
            let longer = format!("{cut}{}", "1".repeat(MAX_VERSION_LEN + 1 - cut.len()));
            assert!(
                scheme.parse(&longer).is_err(),
                "{scheme:?} took {} bytes",
                longer.len()
            );
            if let Ok(v) = scheme.parse(&cut) {
                assert_eq!(v.compare(&v), Some(Ordering::Equal), "{scheme:?} {cut}");
                parsed.push(v);
            }
        }
        for a in &parsed {
            for b in &parsed {
                assert_eq!(
                    a.compare(b),
                    b.compare(a).map(Ordering::reverse),
                    "{scheme:?}"
                );
            }
        }
    }
}
