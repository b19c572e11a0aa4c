#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The DB as a pinned artifact: signed snapshots verify only under the configured keys and only
//! for the file they name; the store's rollback record refuses an older snapshot and audits an
//! allowed rollback; freshness; `db diff` is deterministic.

use stella::db::diff::diff;
use stella::db::freshness::Freshness;
use stella::db::sign::{DbSnapshotPredicate, DbTrustError, sign_snapshot, verify_snapshot};
use stella::gate_input::GateInputBuilder;
use stella::store::{AuditLog, DbPin, PinOutcome, RollbackError};
use stella_attest::AttestError;
use stella_attest::dsse::Keyring;
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::predicates::Predicate;
use stella_attest::statement::Statement;
use stella_core::{Digest, SignatureAlgorithm, Timestamp};
use stella_vuln::osv::parse_record;
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder, SnapshotSource};

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn snapshot(date: &str, records: &[&str]) -> Snapshot {
    let mut b = SnapshotBuilder::new();
    for r in records {
        b.add("x", parse_record("x.json", r.as_bytes()).unwrap());
    }
    b.add_source(SnapshotSource {
        feed: "osv".into(),
        name: "all.zip".into(),
        digest: Digest::of(b"zip"),
        date: date.into(),
        records: records.len() as u64,
    });
    Snapshot::load(b.build(&t(date)).unwrap()).unwrap()
}

const GO1: &str = r#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z"}"#;
const GO2: &str = r#"{"id":"GO-2","modified":"2024-01-01T00:00:00Z"}"#;

fn key() -> (PrivateKey, Keyring) {
    let k =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let mut ring = Keyring::new();
    ring.add(k.public_key().clone()).unwrap();
    (k, ring)
}

#[test]
fn a_signed_snapshot_verifies_under_its_key_only() {
    let snap = snapshot("2024-06-01T00:00:00Z", &[GO1]);
    let (k, ring) = key();
    let env = sign_snapshot(&snap, &LocalSigner::new(k, SystemRandom::new()).unwrap()).unwrap();
    let v = verify_snapshot(&snap, &env, &ring).unwrap();
    assert_eq!(v.predicate.snapshot_digest, snap.digest());
    assert_eq!(v.predicate.sources, snap.info().sources);
    assert_eq!(v.key_ids.len(), 1);
    // The statement is an in-toto v1 statement with our predicate type about the whole file.
    let wire: serde_json::Value = serde_json::from_slice(&env).unwrap();
    let payload = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        wire["payload"].as_str().unwrap(),
    )
    .unwrap();
    let statement = Statement::from_json(&payload).unwrap();
    assert_eq!(
        statement.predicate_type(),
        "https://stella-ops.org/attestations/vuln-db-snapshot/1"
    );
    assert_eq!(
        DbSnapshotPredicate::PREDICATE_TYPE,
        statement.predicate_type()
    );
    assert_eq!(
        statement.subjects()[0].sha256(),
        Some(Digest::of(snap.bytes()))
    );

    // Another key: refused.
    let (_, other_ring) = key();
    assert!(matches!(
        verify_snapshot(&snap, &env, &other_ring),
        Err(DbTrustError::Envelope(_))
    ));
    // Another snapshot under this envelope: refused (the subject is the file).
    let other = snapshot("2024-06-01T00:00:00Z", &[GO1, GO2]);
    assert!(matches!(
        verify_snapshot(&other, &env, &ring),
        Err(DbTrustError::Envelope(AttestError::Statement(_)))
    ));
    // A flipped signature byte: refused.
    let mut parsed: serde_json::Value = serde_json::from_slice(&env).unwrap();
    let sig = parsed["signatures"][0]["sig"].as_str().unwrap().to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    parsed["signatures"][0]["sig"] = format!("{flipped}{}", &sig[1..]).into();
    assert!(verify_snapshot(&snap, &serde_json::to_vec(&parsed).unwrap(), &ring).is_err());
    // Not an envelope at all.
    assert!(verify_snapshot(&snap, b"{}", &ring).is_err());
}

#[test]
fn a_predicate_that_lies_about_the_snapshot_is_refused() {
    let snap = snapshot("2024-06-01T00:00:00Z", &[GO1]);
    let (k, ring) = key();
    let signer = LocalSigner::new(k, SystemRandom::new()).unwrap();
    let mut lying = DbSnapshotPredicate::of(&snap);
    lying.date = "2099-01-01T00:00:00Z".into();
    let env = Statement::builder()
        .subject("stella-vuln-db", Digest::of(snap.bytes()))
        .predicate(&lying)
        .unwrap()
        .build()
        .unwrap()
        .sign(&[&signer])
        .unwrap()
        .to_json()
        .unwrap();
    assert!(matches!(
        verify_snapshot(&snap, &env, &ring),
        Err(DbTrustError::PredicateMismatch { field: "date" })
    ));
}

#[test]
fn rollback_is_refused_and_an_allowed_one_is_audited() {
    let store = tempfile::tempdir().unwrap();
    let pin = DbPin::open(store.path()).unwrap();
    let new = snapshot("2024-06-01T00:00:00Z", &[GO1, GO2]);
    let old = snapshot("2024-05-01T00:00:00Z", &[GO1]);
    let date = |s: &Snapshot| t(&s.info().date);
    assert_eq!(
        pin.check_and_record(&date(&new), new.digest(), None)
            .unwrap(),
        PinOutcome::First
    );
    assert_eq!(
        pin.check_and_record(&date(&new), new.digest(), None)
            .unwrap(),
        PinOutcome::Same
    );
    let err = pin
        .check_and_record(&date(&old), old.digest(), None)
        .unwrap_err();
    assert!(matches!(err, RollbackError::Rollback { .. }), "{err}");
    // Same date, another snapshot: refused too.
    let twin = snapshot("2024-06-01T00:00:00Z", &[GO2]);
    assert!(matches!(
        pin.check_and_record(&date(&twin), twin.digest(), None),
        Err(RollbackError::Rollback { .. })
    ));
    // Allowed: audited, and the record still holds the newer snapshot.
    let when = t("2024-06-02T10:00:00Z");
    assert_eq!(
        pin.check_and_record(&date(&old), old.digest(), Some(("ops@example", when)))
            .unwrap(),
        PinOutcome::RollbackAllowed
    );
    let audit = AuditLog::open(store.path()).unwrap();
    let rec = audit.records().last().unwrap();
    assert_eq!(rec.kind, "db-rollback");
    assert_eq!(rec.actor, "ops@example");
    assert_eq!(rec.inputs["snapshot_digest"], old.digest().to_string());
    assert_eq!(rec.inputs["pinned_digest"], new.digest().to_string());
    drop(audit);
    assert_eq!(pin.pinned().unwrap().unwrap().digest, new.digest());
    assert!(
        pin.check_and_record(&date(&old), old.digest(), None)
            .is_err()
    );
    // A newer one advances the record.
    let newer = snapshot("2024-07-01T00:00:00Z", &[GO1]);
    assert_eq!(
        pin.check_and_record(&date(&newer), newer.digest(), None)
            .unwrap(),
        PinOutcome::Advanced
    );
    // An edited record is reported, not trusted.
    std::fs::write(
        store.path().join(stella::store::DB_PIN_FILE),
        b"{\"date\":1}",
    )
    .unwrap();
    assert!(matches!(pin.pinned(), Err(RollbackError::Corrupt { .. })));
}

#[test]
fn freshness_goes_into_the_gate_input() {
    let f = Freshness::of("2024-06-01T00:00:00Z", &t("2024-06-05T00:00:00Z"), 7).unwrap();
    assert!(!f.stale && f.warning().is_none());
    let stale = Freshness::of("2024-06-01T00:00:00Z", &t("2024-06-30T00:00:00Z"), 7).unwrap();
    assert_eq!(stale.age_days, 29);
    assert!(stale.warning().unwrap().contains("29 days old"));
    let input = GateInputBuilder::new(Digest::of(b"image"), None)
        .db_freshness(&stale)
        .build();
    let v = serde_json::to_value(&input).unwrap();
    assert_eq!(v["scan"]["db_freshness"]["stale"], true);
    assert_eq!(v["scan"]["db_freshness"]["max_age_days"], 7);
}

#[test]
fn diff_is_deterministic() {
    let old = snapshot(
        "2024-05-01T00:00:00Z",
        &[GO1, r#"{"id":"GO-3","modified":"2024-01-01T00:00:00Z"}"#],
    );
    let new = snapshot(
        "2024-06-01T00:00:00Z",
        &[
            r#"{"id":"GO-1","modified":"2024-02-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z"}"#,
            GO2,
        ],
    );
    let d = diff(&old, &new).unwrap();
    assert_eq!(d.added, ["GO-2"]);
    assert_eq!(d.removed, ["GO-3"]);
    assert_eq!(d.withdrawn, ["GO-1"]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].new_modified, "2024-02-01T00:00:00Z");
    assert_eq!(
        d.to_json().unwrap(),
        diff(&old, &new).unwrap().to_json().unwrap()
    );
    assert_eq!(
        d.to_text().lines().skip(2).collect::<Vec<_>>(),
        [
            "1 added, 1 removed, 1 withdrawn, 1 changed",
            "+ GO-2",
            "- GO-3",
            "! GO-1",
            "~ GO-1 2024-01-01T00:00:00Z -> 2024-02-01T00:00:00Z"
        ]
    );
    assert!(diff(&old, &old).unwrap().is_empty());
}
