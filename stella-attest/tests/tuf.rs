#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! TUF: the client workflow on repositories python-tuf generated (tests/vectors/tuf, or a fresh
//! set from tests/interop/tuf.sh through STELLA_TUF_VECTORS), securesystemslib's canonical JSON
//! bytes, Sigstore's real TUF roots, and hostile metadata.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use stella_attest::tuf::{
    KeptMetadata, RefreshedTarget, TrustedMetadata, TufError, TufLimits, TufRepository,
    encode_canonical, refresh_target,
};
use stella_core::Timestamp;

fn vectors() -> PathBuf {
    std::env::var_os("STELLA_TUF_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/tuf"))
}

struct MemRepo(BTreeMap<String, Vec<u8>>);

impl TufRepository for MemRepo {
    fn fetch(
        &mut self,
        path: &str,
        max: u64,
    ) -> Result<Option<Vec<u8>>, Box<dyn std::error::Error + Send + Sync>> {
        match self.0.get(path) {
            Some(b) if b.len() as u64 > max => Err("too large".into()),
            other => Ok(other.cloned()),
        }
    }
}

fn read_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            read_tree(&entry.path(), &format!("{name}/"), out);
        } else {
            out.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
}

fn variant(e: &TufError) -> String {
    format!("{e:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap()
        .to_owned()
}

struct Case {
    name: String,
    now: Timestamp,
    expect: String,
    python_tuf: String,
    trusted: BTreeMap<String, Vec<u8>>,
    repo: BTreeMap<String, Vec<u8>>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(vectors())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let case: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
        let mut trusted = BTreeMap::new();
        read_tree(&dir.join("trusted"), "", &mut trusted);
        let mut repo = BTreeMap::new();
        read_tree(&dir.join("repo"), "", &mut repo);
        out.push(Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            now: Timestamp::parse_rfc3339(case["now"].as_str().unwrap()).unwrap(),
            expect: case["expect"].as_str().unwrap().to_owned(),
            python_tuf: case["python_tuf"].as_str().unwrap().to_owned(),
            trusted,
            repo,
        });
    }
    out
}

/// The whole workflow for `trusted_root.json` of `case`'s repository (or `repo`), from `kept`.
fn refresh(
    case: &Case,
    kept: KeptMetadata<'_>,
    repo: Option<BTreeMap<String, Vec<u8>>>,
) -> Result<RefreshedTarget, TufError> {
    refresh_target(
        kept,
        &mut MemRepo(repo.unwrap_or_else(|| case.repo.clone())),
        case.now,
        "trusted_root.json",
        TufLimits::default(),
    )
}

fn run(case: &Case) -> Result<Vec<u8>, TufError> {
    let kept = KeptMetadata {
        root: &case.trusted["root.json"],
        timestamp: case.trusted.get("timestamp.json").map(Vec::as_slice),
        snapshot: case.trusted.get("snapshot.json").map(Vec::as_slice),
    };
    refresh(case, kept, None).map(|r| r.target)
}

#[test]
fn python_tuf_repositories_give_the_expected_verdicts() {
    let cases = cases();
    assert!(cases.len() >= 28, "{} cases", cases.len());
    let mut agree_with_python = 0;
    for case in &cases {
        let got = run(case);
        match (&got, case.expect.as_str()) {
            (Ok(target), "ok") => {
                // What is returned is the target file the repository holds.
                assert!(case.repo.values().any(|b| b == target), "{}", case.name);
            }
            (Err(e), want) => assert_eq!(variant(e), want, "{}: {e}", case.name),
            (Ok(_), want) => panic!("{}: verified, expected {want}", case.name),
        }
        // python-tuf agrees on accept/refuse everywhere except where Stella is stricter on
        // purpose (one key under two key ids counts once).
        if case.name.starts_with("stricter_") {
            assert_eq!(case.python_tuf, "ok", "{}", case.name);
            assert!(got.is_err());
        } else {
            assert_eq!(
                got.is_ok(),
                case.python_tuf == "ok",
                "{}: python-tuf {}",
                case.name,
                case.python_tuf
            );
            agree_with_python += 1;
        }
    }
    assert!(agree_with_python >= 27);
}

#[test]
fn the_verdict_depends_on_now() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "ok_ed25519")
        .unwrap();
    let later = Case {
        now: Timestamp::from_unix_seconds(case.now.unix_seconds() + 400 * 86_400).unwrap(),
        ..case
    };
    assert!(matches!(run(&later), Err(TufError::Expired { .. })));
}

#[test]
fn kept_metadata_is_updated_and_a_second_run_from_it_verifies() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "ok_rotation_mixed_keys")
        .unwrap();
    let kept = KeptMetadata {
        root: &case.trusted["root.json"],
        timestamp: None,
        snapshot: None,
    };
    let first = refresh(&case, kept, None).unwrap();
    assert_eq!(first.trusted.root_version(), 4);
    assert_eq!(
        first.trusted.root_bytes(),
        case.repo["4.root.json"].as_slice()
    );
    let kept = KeptMetadata {
        root: first.trusted.root_bytes(),
        timestamp: first.trusted.timestamp_bytes(),
        snapshot: first.trusted.snapshot_bytes(),
    };
    let second = refresh(&case, kept, None).unwrap();
    assert_eq!(second.target, first.target);
    // The kept root (version 4) cannot be rolled back by a repository offering only root 1.
    let mut old = case.repo.clone();
    old.retain(|k, _| !k.ends_with(".root.json") || k == "1.root.json");
    let again = refresh(&case, kept, Some(old)).unwrap();
    assert_eq!(again.trusted.root_version(), 4);
}

#[test]
fn canonical_json_matches_securesystemslib() {
    let vectors: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(vectors().join("canonical.json")).unwrap()).unwrap();
    assert!(vectors.len() >= 7);
    for v in vectors {
        let value: serde_json::Value = serde_json::from_str(v["json"].as_str().unwrap()).unwrap();
        let expected = base64::engine::general_purpose::STANDARD
            .decode(v["canonical_b64"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            encode_canonical(&value).unwrap(),
            expected,
            "{}",
            String::from_utf8_lossy(&expected)
        );
    }
}

const PRODUCTION: &[u8] = include_bytes!("data/tuf/sigstore-production.root.json");
const STAGING: &[u8] = include_bytes!("data/tuf/sigstore-staging.root.json");

#[test]
fn sigstore_roots_are_self_signed_roots_of_trust() {
    for (root, version, expires) in [
        (PRODUCTION, 15, "2026-11-20T13:58:18Z"),
        (STAGING, 14, "2026-10-16T19:39:43Z"),
    ] {
        let t = TrustedMetadata::from_trusted_root(root, TufLimits::default()).unwrap();
        assert_eq!(t.root_version(), version);
        assert!(t.consistent_snapshot());
        let expires = Timestamp::parse_rfc3339(expires).unwrap();
        let before = Timestamp::from_unix_seconds(expires.unix_seconds() - 1).unwrap();
        t.check_root_expiry(before).unwrap();
        assert!(matches!(
            t.check_root_expiry(expires),
            Err(TufError::Expired { .. })
        ));
    }
}

fn edit(root: &[u8], f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(root).unwrap();
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn sigstore_root_tampered_or_short_of_signatures_is_refused() {
    // Production's root threshold is 3 of 5: two signatures are not enough.
    let two = edit(PRODUCTION, |v| {
        v["signatures"].as_array_mut().unwrap().truncate(2);
    });
    assert!(matches!(
        TrustedMetadata::from_trusted_root(&two, TufLimits::default()),
        Err(TufError::Threshold {
            valid: 2,
            threshold: 3,
            ..
        })
    ));
    // The same signature five times counts once.
    let dup = edit(PRODUCTION, |v| {
        let first = v["signatures"][0].clone();
        v["signatures"] = serde_json::Value::Array(vec![first; 5]);
    });
    assert!(matches!(
        TrustedMetadata::from_trusted_root(&dup, TufLimits::default()),
        Err(TufError::Threshold { valid: 1, .. })
    ));
    // Any change to the signed content.
    let later = edit(PRODUCTION, |v| {
        v["signed"]["expires"] = "2036-11-20T13:58:18Z".into()
    });
    assert!(matches!(
        TrustedMetadata::from_trusted_root(&later, TufLimits::default()),
        Err(TufError::Threshold { valid: 0, .. })
    ));
    // Reformatting does not change the canonical bytes: still verifies.
    let pretty = serde_json::to_vec_pretty(
        &serde_json::from_slice::<serde_json::Value>(PRODUCTION).unwrap(),
    )
    .unwrap();
    TrustedMetadata::from_trusted_root(&pretty, TufLimits::default()).unwrap();
}

#[test]
fn hostile_metadata_is_refused_before_work() {
    let limits = TufLimits::default();
    let huge = vec![b' '; limits.max_root_bytes + 1];
    assert!(matches!(
        TrustedMetadata::from_trusted_root(&huge, limits),
        Err(TufError::TooLarge { .. })
    ));
    let tight = TufLimits {
        max_signatures: 4,
        ..limits
    };
    assert!(matches!(
        TrustedMetadata::from_trusted_root(PRODUCTION, tight),
        Err(TufError::TooMany {
            what: "signatures",
            ..
        })
    ));
    let tight = TufLimits {
        max_keys: 5,
        ..limits
    };
    assert!(matches!(
        TrustedMetadata::from_trusted_root(PRODUCTION, tight),
        Err(TufError::TooMany { what: "keys", .. })
    ));
    let dup_key = br#"{"signatures":[],"signatures":[],"signed":{}}"#;
    assert!(matches!(
        TrustedMetadata::from_trusted_root(dup_key, limits),
        Err(TufError::Shape { .. })
    ));
    for (field, value) in [
        ("_type", serde_json::json!("targets")),
        ("spec_version", serde_json::json!("2.0.0")),
        ("version", serde_json::json!(0)),
        ("expires", serde_json::json!("2026-11-20T13:58:18+00:00")),
        ("version", serde_json::json!(1.5)),
    ] {
        let bad = edit(PRODUCTION, |v| v["signed"][field] = value.clone());
        let err = TrustedMetadata::from_trusted_root(&bad, limits).unwrap_err();
        assert!(
            matches!(
                err,
                TufError::WrongType { .. } | TufError::SpecVersion { .. } | TufError::Shape { .. }
            ),
            "{field}: {err}"
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(TrustedMetadata::from_trusted_root(deep.as_bytes(), limits).is_err());
}

#[test]
fn next_root_must_be_exactly_the_next_version() {
    let mut t = TrustedMetadata::from_trusted_root(PRODUCTION, TufLimits::default()).unwrap();
    // The same root again is version 15, not 16.
    assert!(matches!(
        t.update_root(PRODUCTION),
        Err(TufError::RootVersion {
            expected: 16,
            found: 15
        })
    ));
}

#[test]
fn steps_out_of_order_are_refused() {
    let mut t = TrustedMetadata::from_trusted_root(PRODUCTION, TufLimits::default()).unwrap();
    assert!(matches!(
        t.snapshot_path(),
        Err(TufError::OutOfOrder { .. })
    ));
    assert!(matches!(
        t.target("trusted_root.json"),
        Err(TufError::OutOfOrder { .. })
    ));
    let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    assert!(matches!(
        t.update_snapshot(b"{}", now),
        Err(TufError::OutOfOrder { .. })
    ));
}

/// Sigstore's production root 16 as the sigstore/root-signing repository held it during its
/// signing event (one of three root signatures; see data/tuf/PROVENANCE.md). From the built-in
/// root 15 — itself expired since 2026-11-20, which TUF allows for a starting root — the
/// update to it is refused for its missing signatures, and the one signature it has is a real
/// one by a root-15 key (so the file is what was published, and only the threshold is short).
#[test]
fn sigstore_root_16_in_its_signing_event_does_not_chain_from_15() {
    const ROOT_16: &[u8] =
        include_bytes!("data/tuf/sigstore-production.16.root.signing-event.json");
    let after_15_expired = Timestamp::parse_rfc3339("2026-12-08T00:00:00Z").unwrap();
    let mut trusted = TrustedMetadata::from_trusted_root(PRODUCTION, TufLimits::default()).unwrap();
    // An expired root is a valid starting point; only the final root must be current.
    assert!(matches!(
        trusted.check_root_expiry(after_15_expired),
        Err(TufError::Expired { .. })
    ));
    assert!(matches!(
        trusted.update_root(ROOT_16),
        Err(TufError::Threshold {
            valid: 1,
            threshold: 3,
            ..
        })
    ));
    assert_eq!(trusted.root_version(), 15);
    // Its own signature count is the same: not a root of trust by itself either.
    assert!(matches!(
        TrustedMetadata::from_trusted_root(ROOT_16, TufLimits::default()),
        Err(TufError::Threshold { valid: 1, .. })
    ));
    // Any edit of the signed content leaves no valid signature at all.
    let edited = edit(ROOT_16, |v| {
        v["signed"]["expires"] = "2030-01-01T00:00:00Z".into()
    });
    assert!(matches!(
        trusted.update_root(&edited),
        Err(TufError::Threshold { valid: 0, .. })
    ));
}
