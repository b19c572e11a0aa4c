#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella run`: the golden path over the embedded demo and over an image on disk.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{fixture, stella};
use serde_json::Value;
use stella::store::{AuditLog, FsBlobStore};
use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::transparency::note::NoteVerifier;
use stella_attest::transparency::verify_receipt;
use stella_core::{BlobStore, Digest, LogReceipt};

fn run_json(store: &Path, extra: &[&str]) -> (Value, Vec<u8>) {
    let out = stella()
        .arg("run")
        .arg("--store")
        .arg(store)
        .args(extra)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), out.stdout)
}

fn artifact(report: &Value, kind: &str) -> Digest {
    let a = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} artifact"));
    Digest::parse(a["digest"].as_str().unwrap()).unwrap()
}

#[test]
fn demo_prints_the_summary_and_exits_0() {
    let t = tempfile::tempdir().unwrap();
    let out = stella()
        .args(["run", "--demo", "--deterministic", "--store"])
        .arg(t.path().join("store"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "image     demo.stella-ops.org/shop-api:1.0 @ sha256:",
        "packages  7\n",
        "findings  8 (critical 1, high 3, medium 3, low 0, unknown 1)\n",
        "VEX       affected 1, fixed 0, not_affected 4\n",
        "          under_investigation 3\n",
        "gate      ALLOW (policy sha256:",
        "  sbom-cyclonedx ",
        "  decision-receipt ",
        "audit     ",
        "(origin stella.local/log, 4 entries)\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // The store paths printed are real files.
    let store = FsBlobStore::open(t.path().join("store")).unwrap();
    let paths: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.contains("/blobs/sha256/"))
        .collect();
    assert_eq!(paths.len(), 16);
    for p in paths {
        assert!(Path::new(p).is_file(), "{p}");
        assert!(p.starts_with(store.root().to_str().unwrap()));
    }
}

#[test]
fn no_image_means_the_demo() {
    let t = tempfile::tempdir().unwrap();
    let (a, _) = run_json(&t.path().join("a"), &["--deterministic"]);
    let (b, _) = run_json(&t.path().join("b"), &["--demo", "--deterministic"]);
    assert_eq!(a, b);
}

#[test]
fn every_artifact_is_stored_verified_and_well_formed() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("store");
    let (report, _) = run_json(&dir, &["--demo", "--deterministic"]);
    let store = FsBlobStore::open(&dir).unwrap();
    for a in report["artifacts"].as_array().unwrap() {
        let d = Digest::parse(a["digest"].as_str().unwrap()).unwrap();
        let bytes = store.get(&d).unwrap();
        assert_eq!(bytes.len() as u64, a["size"].as_u64().unwrap());
    }
    let image = Digest::parse(report["image_digest"].as_str().unwrap()).unwrap();
    let json = |kind| -> Value {
        serde_json::from_slice(&store.get(&artifact(&report, kind)).unwrap()).unwrap()
    };

    assert_eq!(json("sbom-cyclonedx")["specVersion"], "1.6");
    assert_eq!(
        json("sbom-spdx")["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    assert_eq!(json("sarif")["version"], "2.1.0");
    let vex = json("openvex");
    assert_eq!(vex["@context"], "https://openvex.dev/ns/v0.2.0");
    let statuses: Vec<&str> = vex["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"affected") && statuses.contains(&"not_affected"));
    let record = json("decision-record");
    assert_eq!(record["result"]["allow"], true);
    assert_eq!(record["image_digest"], image.to_string());

    // Envelopes verify with the demo public key and bind the image digest; receipts prove
    // each envelope is in the log under a checkpoint signed by the log key.
    let public = stella_demo::demo_key().unwrap().public_key().clone();
    let mut ring = Keyring::new();
    ring.add(public.clone()).unwrap();
    let log_key = NoteVerifier::new(
        stella::store::DEFAULT_LOG_ORIGIN,
        public.spki_der(),
        Arc::new(public.clone()),
    )
    .unwrap();
    for (envelope, receipt) in [
        ("sbom-cyclonedx-attestation", "sbom-cyclonedx-receipt"),
        ("sbom-spdx-attestation", "sbom-spdx-receipt"),
        ("scan-attestation", "scan-receipt"),
        ("decision-attestation", "decision-receipt"),
    ] {
        let bytes = store.get(&artifact(&report, envelope)).unwrap();
        let verified = Envelope::from_json(&bytes)
            .unwrap()
            .verify(&ring, &["application/vnd.in-toto+json"])
            .unwrap();
        let statement = stella_attest::statement::Statement::from_json(verified.payload()).unwrap();
        assert!(statement.has_subject(&image), "{envelope}");
        let receipt: LogReceipt =
            serde_json::from_slice(&store.get(&artifact(&report, receipt)).unwrap()).unwrap();
        verify_receipt(&bytes, &receipt, std::slice::from_ref(&log_key)).unwrap();
        assert!(
            verify_receipt(b"another entry", &receipt, std::slice::from_ref(&log_key)).is_err()
        );
    }

    // The audit log: one record per step, hash-chained, in order.
    let audit = AuditLog::open(&dir).unwrap();
    let kinds: Vec<&str> = audit.records().iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["sbom", "attest", "attest", "scan", "vex", "decision"]
    );
    assert_eq!(report["audit"].as_array().unwrap().len(), 6);
}

#[test]
fn deterministic_reruns_give_the_same_digests() {
    let t = tempfile::tempdir().unwrap();
    let (_, a) = run_json(&t.path().join("a"), &["--demo", "--deterministic"]);
    let (_, b) = run_json(&t.path().join("b"), &["--demo", "--deterministic"]);
    assert_eq!(a, b, "two fresh stores: byte-identical reports");
    // Again into the same store: the store's transparency log is append-only, so the second
    // run's attestations land as new leaves: the SBOMs, findings, VEX and envelopes are the
    // same bytes, the receipts (and the gate input and decision that cite them) are new.
    let (first, _) = run_json(&t.path().join("a"), &["--demo", "--deterministic"]);
    let (again, _) = run_json(&t.path().join("a"), &["--demo", "--deterministic"]);
    let by_kind = |r: &serde_json::Value| -> std::collections::BTreeMap<String, String> {
        r["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["kind"].as_str().unwrap().to_owned(),
                    a["digest"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (first, again) = (by_kind(&first), by_kind(&again));
    assert_eq!(first.len(), again.len());
    for (kind, digest) in &first {
        let log_bound =
            kind.ends_with("-receipt") || kind.starts_with("decision") || kind == "gate-input";
        assert_eq!(digest != &again[kind], log_bound, "{kind}");
    }
    assert_eq!(
        AuditLog::open(&t.path().join("a")).unwrap().records().len(),
        18
    );
    // Three runs, four log entries each (two SBOMs, the scan, the decision).
    let key = stella_demo::demo_key()
        .and_then(|k| {
            stella_attest::keys::LocalSigner::new(k, stella_attest::keys::SystemRandom::new())
        })
        .unwrap();
    let log = stella::store::FileLog::open_in_store(
        &t.path().join("a"),
        stella::store::DEFAULT_LOG_ORIGIN,
        std::sync::Arc::new(key),
    )
    .unwrap();
    assert_eq!(log.size().unwrap(), 12);
}

#[test]
fn an_image_on_disk_runs_with_a_key_and_a_db() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let key = t.path().join("key.pem");
    let r = stella()
        .args(["key", "generate", "--output-file"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (report, _) = run_json(
        &t.path().join("store"),
        &[
            layout.to_str().unwrap(),
            "--db",
            snap.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(report["packages"], 3);
    assert!(report["findings"].as_u64().unwrap() >= 2);
    // No entrypoint, so no reachability, no generated VEX and no OpenVEX: 16 - 2 artifacts.
    assert_eq!(report["artifacts"].as_array().unwrap().len(), 14);
}

#[test]
fn a_denying_policy_exits_1() {
    let t = tempfile::tempdir().unwrap();
    let policy = t.path().join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    std::fs::write(
        policy.join("deny.rego"),
        "package stella.policy\n\nimport rego.v1\n\ndefault allow := false\n\nviolation contains \"nothing ships today\" if { true }\n",
    )
    .unwrap();
    let (layout, snap) = fixture(t.path());
    let out = stella()
        .args(["run", "--deterministic", "--key"])
        .arg(t.path().join("missing.pem"))
        .arg(&layout)
        .arg("--db")
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a missing key file is an error");

    let key = t.path().join("key.pem");
    assert!(
        stella()
            .args(["key", "generate", "--output-file"])
            .arg(&key)
            .output()
            .unwrap()
            .status
            .success()
    );
    let out = stella()
        .args(["run", "--deterministic", "--key"])
        .arg(&key)
        .arg(&layout)
        .arg("--db")
        .arg(&snap)
        .arg("--policy")
        .arg(&policy)
        .arg("--store")
        .arg(t.path().join("store"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("gate      DENY"), "{text}");
    assert!(text.contains("violation: nothing ships today"), "{text}");
}

#[test]
fn usage_errors_exit_2_with_the_reason() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let out = stella()
        .arg("run")
        .arg(&layout)
        .args(["--db", snap.to_str().unwrap(), "--store"])
        .arg(t.path().join("s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key"));

    let out = stella()
        .arg("run")
        .arg(&layout)
        .args(["--key", "env://NOPE_NOT_SET", "--store"])
        .arg(t.path().join("s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // A root filesystem has no image digest: nothing to attest.
    let rootfs = t.path().join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::write(rootfs.join("etc/os-release"), common::OS_RELEASE).unwrap();
    let key = t.path().join("key.pem");
    assert!(
        stella()
            .args(["key", "generate", "--output-file"])
            .arg(&key)
            .output()
            .unwrap()
            .status
            .success()
    );
    let out = stella()
        .arg("run")
        .arg(format!("dir:{}", rootfs.display()))
        .args(["--db", snap.to_str().unwrap(), "--key"])
        .arg(&key)
        .arg("--store")
        .arg(t.path().join("s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no manifest digest"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_edited_blob_in_the_store_is_detected_not_overwritten() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("store");
    let (report, _) = run_json(&dir, &["--demo", "--deterministic"]);
    let store = FsBlobStore::open(&dir).unwrap();
    let sbom = artifact(&report, "sbom-cyclonedx");
    let path = store.path_of(&sbom);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    assert!(store.get(&sbom).is_err(), "read check catches the edit");
    // A rerun does not silently repair or overwrite: it fails on the mismatching blob.
    let out = stella()
        .args(["run", "--demo", "--deterministic", "--store"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing overwritten");
}

/// A clean image (no finding) used to exit 2 ("OpenVEX document … has no statements"): the
/// generated VEX was refused for being empty. It must go down the golden path and be allowed.
#[test]
fn a_clean_image_is_allowed() {
    use stella::image::testing::write_oci_layout;
    use stella_scan::testing::{TestImage, TestLayer};

    let t = tempfile::tempdir().unwrap();
    let (_, snap) = fixture(t.path());
    // zlib only: nothing in the snapshot matches it.
    let status = b"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nMaintainer: M <m@example.org>\nDescription: compression\n";
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("etc/os-release", common::OS_RELEASE)
                .file("var/lib/dpkg/status", status),
        )
        .build();
    let layout = t.path().join("clean");
    write_oci_layout(&layout, &image.root, &image.blobs).unwrap();
    let key = t.path().join("key.pem");
    let r = stella()
        .args(["key", "generate", "--output-file"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let args = [
        layout.to_str().unwrap(),
        "--db",
        snap.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--deterministic",
    ];
    let (report, _) = run_json(&t.path().join("store"), &args);
    assert_eq!(report["findings"], 0, "{report}");
    assert_eq!(report["gate"]["allow"], true, "{report}");
    let kinds: Vec<&str> = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    // Nothing to say: no generated VEX and no OpenVEX document are written.
    assert!(kinds.contains(&"findings"), "{kinds:?}");
    assert!(!kinds.contains(&"generated-vex-attestation"), "{kinds:?}");
    assert!(!kinds.contains(&"openvex"), "{kinds:?}");
    // Deterministic where the key allows (its signatures are randomized): the same findings.
    let (again, _) = run_json(&t.path().join("store2"), &args);
    assert_eq!(artifact(&report, "findings"), artifact(&again, "findings"));
    // The text output says ALLOW and exits 0.
    let out = stella()
        .arg("run")
        .args(args)
        .arg("--store")
        .arg(t.path().join("store3"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ALLOW"));
}

/// Over a real image the default VEX policy generates nothing: the demo image's unreachable
/// packages stay `under_investigation` (no generated VEX, no OpenVEX document), and only a VEX
/// policy the caller passes (here the demo's) makes them `not_affected`.
#[test]
fn the_default_vex_policy_suppresses_nothing() {
    use stella::image::testing::write_oci_layout;

    let t = tempfile::tempdir().unwrap();
    let demo = stella_demo::Demo::build().unwrap();
    let layout = t.path().join("demo-image");
    write_oci_layout(&layout, &demo.image.root, &demo.image.blobs).unwrap();
    let osv = t.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    for (name, json) in stella_demo::RECORDS {
        std::fs::write(osv.join(name), json).unwrap();
    }
    let snap = t.path().join("snap.db");
    let r = stella()
        .args(["db", "build", osv.to_str().unwrap(), "--output"])
        .arg(&snap)
        .args(["--date", stella_demo::DEMO_TIME])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let key = t.path().join("key.pem");
    let r = stella()
        .args(["key", "generate", "--algorithm", "ed25519", "--output-file"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let policy = t.path().join("vex-policy.yaml");
    std::fs::write(&policy, stella_demo::VEX_POLICY).unwrap();
    let base = [
        layout.to_str().unwrap(),
        "--db",
        snap.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--deterministic",
        "--time",
        stella_demo::DEMO_TIME,
    ];
    let kinds = |report: &Value| -> Vec<String> {
        report["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_owned())
            .collect()
    };

    let (report, _) = run_json(&t.path().join("store"), &base);
    assert_eq!(report["findings"], 8, "{report}");
    assert_eq!(report["by_vex_status"]["not_affected"], 0, "{report}");
    assert_eq!(
        report["by_vex_status"]["under_investigation"], 8,
        "{report}"
    );
    let written = kinds(&report);
    assert!(
        !written.iter().any(|k| k == "generated-vex-attestation"),
        "{written:?}"
    );
    assert!(!written.iter().any(|k| k == "openvex"), "{written:?}");

    let mut opted_in = base.to_vec();
    opted_in.extend(["--vex-policy", policy.to_str().unwrap()]);
    let (report, _) = run_json(&t.path().join("store2"), &opted_in);
    assert_eq!(report["by_vex_status"]["not_affected"], 4, "{report}");
    assert!(
        kinds(&report)
            .iter()
            .any(|k| k == "generated-vex-attestation")
    );
}
