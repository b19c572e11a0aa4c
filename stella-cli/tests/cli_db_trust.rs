#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The DB lifecycle from the command line: `db build` with feeds and `--sign-key`, `scan`
//! verifying the snapshot against configured keys (flag and `STELLA_DB_KEYS`), refusing a
//! rollback recorded in `--store` unless `--allow-rollback` (audited), the freshness warning,
//! and `db diff`.

mod common;

use std::path::Path;

use common::{fixture, stella};

const FEEDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../stella-vuln/tests/data/feeds"
);

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn keypair(dir: &Path, name: &str) -> (String, String) {
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub"));
    ok(&stella()
        .args(["key", "generate", "--output-file"])
        .arg(&private)
        .arg("--public-file")
        .arg(&public)
        .output()
        .unwrap());
    (private.display().to_string(), public.display().to_string())
}

fn build(dir: &Path, out: &str, date: &str, key: Option<&str>) -> serde_json::Value {
    let osv = dir.join("osv");
    let mut cmd = stella();
    cmd.args(["db", "build"])
        .arg(&osv)
        .args([
            "--feed",
            &format!("debian={FEEDS}/debian/tracker-vunnel.json"),
        ])
        .args(["--feed", &format!("alpine={FEEDS}/alpine")])
        .args(["--feed", &format!("ghsa={FEEDS}/ghsa")])
        .args(["--date", date, "--output"])
        .arg(dir.join(out));
    if let Some(k) = key {
        cmd.args(["--sign-key", k]);
    }
    let r = cmd.output().unwrap();
    ok(&r);
    serde_json::from_slice(&r.stdout).unwrap()
}

fn scan(layout: &Path, db: &Path, extra: &[&str]) -> std::process::Output {
    stella()
        .env_remove("STELLA_DB_KEYS")
        .env_remove("STELLA_DB_MAX_AGE_DAYS")
        .arg("scan")
        .arg(layout)
        .arg("--db")
        .arg(db)
        .args(["-o", "json"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn signed_snapshots_rollback_and_freshness() {
    let t = tempfile::tempdir().unwrap();
    let (layout, _) = fixture(t.path());
    let (key, public) = keypair(t.path(), "db");
    let (_, other_public) = keypair(t.path(), "other");

    let summary = build(t.path(), "new.db", "2024-06-01T00:00:00Z", Some(&key));
    let feeds: Vec<&str> = summary["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["feed"].as_str().unwrap())
        .collect();
    assert_eq!(feeds, ["alpine", "debian", "ghsa", "osv"]);
    let new = t.path().join("new.db");
    assert!(t.path().join("new.db.dsse.json").exists());
    let old_summary = build(t.path(), "old.db", "2024-05-01T00:00:00Z", Some(&key));
    let old = t.path().join("old.db");
    // The header's sources: `db info` prints them.
    let info = stella().args(["db", "info"]).arg(&new).output().unwrap();
    ok(&info);
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["sources"], summary["sources"]);
    assert_ne!(summary["digest"], old_summary["digest"]);

    // Verified under the configured key, by flag or by STELLA_DB_KEYS.
    ok(&scan(&layout, &new, &["--db-key", &public]));
    let configured = |keys: &str| {
        stella()
            .env("STELLA_DB_KEYS", keys)
            .arg("scan")
            .arg(&layout)
            .arg("--db")
            .arg(&new)
            .output()
            .unwrap()
    };
    ok(&configured(&public));
    // Another key: refused, by flag or configuration.
    let r = scan(&layout, &new, &["--db-key", &other_public]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("does not verify"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(configured(&other_public).status.code(), Some(2));
    // Unsigned: refused when keys are configured, scanned when none are.
    let bare = t.path().join("bare.db");
    std::fs::copy(&new, &bare).unwrap();
    let r = scan(&layout, &bare, &["--db-key", &public]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not signed"));
    ok(&scan(&layout, &bare, &[]));
    // The old snapshot's envelope does not cover the new one.
    let r = scan(
        &layout,
        &new,
        &[
            "--db-key",
            &public,
            "--db-signature",
            t.path().join("old.db.dsse.json").to_str().unwrap(),
        ],
    );
    assert_eq!(r.status.code(), Some(2));

    // Rollback: the store records the newer snapshot; the older one is refused, then allowed
    // with --allow-rollback and audited.
    let store = t.path().join("store");
    let s = store.to_str().unwrap();
    ok(&scan(&layout, &new, &["--store", s]));
    let r = scan(&layout, &old, &["--store", s]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("rollback refused"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let r = scan(
        &layout,
        &old,
        &["--store", s, "--allow-rollback", "--actor", "ops@example"],
    );
    ok(&r);
    assert!(String::from_utf8_lossy(&r.stderr).contains("rollback allowed"));
    let audit = std::fs::read_to_string(store.join("audit/audit.log")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["kind"], "db-rollback");
    assert_eq!(last["actor"], "ops@example");
    assert_eq!(last["inputs"]["snapshot_digest"], old_summary["digest"]);
    // Still refused without the flag.
    assert_eq!(scan(&layout, &old, &["--store", s]).status.code(), Some(2));

    // Freshness: a 2024 snapshot is older than 30 days now.
    let r = scan(&layout, &new, &["--max-db-age-days", "30"]);
    ok(&r);
    assert!(String::from_utf8_lossy(&r.stderr).contains("days old"));

    // db diff: the same output twice, in both formats.
    for format in ["json", "text"] {
        let run = || {
            let r = stella()
                .args(["db", "diff", "-o", format])
                .arg(&old)
                .arg(&new)
                .output()
                .unwrap();
            ok(&r);
            r.stdout
        };
        assert_eq!(run(), run());
    }
    let r = stella()
        .args(["db", "diff", "-o", "json"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    let d: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    // Debian and Alpine records are dated with the snapshot date, so they changed; none was
    // added or removed.
    assert_eq!(d["added"], serde_json::json!([]));
    assert!(!d["changed"].as_array().unwrap().is_empty());
}
