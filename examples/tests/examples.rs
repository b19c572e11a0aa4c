#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Each example runs and says what it claims.

use std::process::Command;

fn run(bin: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn embed_scanner_reads_through_the_custom_source() {
    let (code, out, err) = run(env!("CARGO_BIN_EXE_embed-scanner"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("image sha256:"), "{out}");
    assert!(out.contains("pkg:pypi/requests@2.19.1"), "{out}");
    assert!(out.contains("7 packages"), "{out}");
    assert!(!out.contains(" 0 bytes read from MyBlobCache"), "{out}");
}

#[test]
fn sign_and_verify_refuses_another_image() {
    let (code, out, err) = run(env!("CARGO_BIN_EXE_sign-and-verify"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("verified: https://cyclonedx.org/bom about sha256:"),
        "{out}"
    );
    assert!(out.contains("for another image: refused"), "{out}");
    assert!(
        out.contains("log receipt verified: leaf 0 in a tree of 1"),
        "{out}"
    );
}

#[test]
fn gate_in_ci_exits_by_verdict() {
    let (code, out, err) = run(env!("CARGO_BIN_EXE_gate-in-ci"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ALLOW sha256:"), "{out}");

    // A VEX saying the critical lodash finding is affected makes the seed policy deny.
    let t = tempfile::tempdir().unwrap();
    let vex = t.path().join("vex.json");
    std::fs::write(
        &vex,
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.org/vex/1",
            "author":"ci","timestamp":"2024-05-01T00:00:00Z","version":1,
            "statements":[{"vulnerability":{"name":"GHSA-jf85-cpcp-j695"},
            "products":[{"@id":"pkg:npm/lodash@4.17.11"}],"status":"affected",
            "action_statement":"upgrade"}]}"#,
    )
    .unwrap();
    let (code, _, err) = run(env!("CARGO_BIN_EXE_gate-in-ci"), &["/nonexistent.json"]);
    assert_eq!(code, 2, "a missing file is an error: {err}");

    // The demo's findings JSON (what `stella scan -o json` prints), from the pipeline.
    let findings = t.path().join("findings.json");
    let demo = stella_demo::Demo::build().unwrap();
    let store = stella::store::FsBlobStore::open(t.path().join("store")).unwrap();
    let signer = std::sync::Arc::new(demo.signer().unwrap());
    let log = stella_attest::transparency::MemoryLog::new("x.org/log", signer.clone()).unwrap();
    let clock = stella_core::FixedClock::new(demo.time);
    let pipeline = stella::pipeline::Pipeline {
        store: &store,
        log: &log,
        clock: &clock,
        signer: signer.as_ref(),
    };
    let report = pipeline
        .run(
            demo.run_inputs().unwrap(),
            &mut stella::pipeline::MemoryAudit::default(),
        )
        .unwrap();
    let digest = report
        .artifact(stella::pipeline::ArtifactKind::Findings)
        .unwrap()
        .digest;
    std::fs::write(
        &findings,
        stella_core::BlobStore::get(&store, &digest).unwrap(),
    )
    .unwrap();
    let (code, out, err) = run(
        env!("CARGO_BIN_EXE_gate-in-ci"),
        &[findings.to_str().unwrap(), vex.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("DENY sha256:"), "{out}");
}
