#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Artifacts attached to images in a real OCI distribution registry (Debian's `docker-registry`,
//! which has no referrers API: the referrers tag schema is exercised), started on loopback by
//! `tests/registry/referrers.sh`, which runs this binary with `STELLA_TEST_REGISTRY=HOST:PORT`
//! and `STELLA_TEST_REGISTRY_MIRROR=HOST:PORT` (a second, empty registry) and then
//! cross-checks what was stored with skopeo and oras. `#[ignore]`d in a plain `cargo test`;
//! without the variables, or with the registries unreachable, they fail.
//!
//! - the golden path with the registry as the store (`stella run registry:… --store oci://…`),
//!   then `stella artifacts list` and `stella verify registry:…` from nothing but the registry;
//! - `stella mirror` to an OCI layout and to the second registry (same manifest digest, every
//!   referrer, the DB snapshot attached), then verify + scan + gate against each mirror only,
//!   with the same decision;
//! - 8 writers attaching to one image at once, through the tag schema and cosign's `.att`:
//!   no referrer lost;
//! - a referrer with a swapped subject, and one whose layer was changed, are refused.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use stella::image::OciLayout;
use stella::image::registry::{RegistryClient, RegistryOptions, RegistryRef};
use stella::oci::{Discovery, OciRepository};
use stella_core::oci_artifact::{ArtifactKind, ArtifactManifest, EMPTY_BLOB};
use stella_core::{Descriptor, Digest};

fn host(var: &str) -> String {
    let host = std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run tests/registry/referrers.sh"));
    assert!(!host.is_empty(), "{var} is empty");
    host
}

fn unique(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "stella-oci/{name}-{}-{}",
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn report(line: &str) {
    if let Ok(path) = std::env::var("STELLA_TEST_OCI_REPORT") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        writeln!(f, "{line}").unwrap();
    }
}

/// Pushes the common fixture image (an OCI layout) as `host/repo:v1`; its digest.
fn push_fixture(host: &str, repo: &str, layout: &Path) -> Digest {
    let r = RegistryRef::parse(&format!("{host}/{repo}:v1")).unwrap();
    let client = RegistryClient::new(&r, RegistryOptions::default()).unwrap();
    let source = OciLayout::open_dir(layout).unwrap();
    // The layout's root is its index.json: push the one image it names, tagged v1.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest = Digest::parse(index["manifests"][0]["digest"].as_str().unwrap()).unwrap();
    let bytes = stella_core::ImageSource::blob(&source, &manifest).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    for d in std::iter::once(&m["config"]).chain(m["layers"].as_array().unwrap()) {
        let digest = Digest::parse(d["digest"].as_str().unwrap()).unwrap();
        client
            .push_blob(
                repo,
                &stella_core::ImageSource::blob(&source, &digest).unwrap(),
            )
            .unwrap();
    }
    client
        .push_manifest(repo, "v1", stella_core::MEDIA_TYPE_OCI_MANIFEST, &bytes)
        .unwrap()
}

fn keys(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, public) = (dir.join("key.pem"), dir.join("key.pub"));
    common::stella()
        .args(["key", "generate", "--output-file"])
        .arg(&key)
        .arg("--public-file")
        .arg(&public)
        .assert()
        .success();
    (key, public)
}

fn run_ok(cmd: &mut assert_cmd::Command, codes: &[i32]) -> String {
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        codes.contains(&code),
        "exit {code}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn gate_of(run_json: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(run_json).unwrap();
    v["gate"].clone()
}

#[test]
#[ignore = "needs a registry: tests/registry/referrers.sh"]
#[allow(non_snake_case)]
fn golden_path_into_the_registry_then_verify_and_mirror__needs_STELLA_TEST_REGISTRY() {
    let (host, mirror_host) = (
        host("STELLA_TEST_REGISTRY"),
        host("STELLA_TEST_REGISTRY_MIRROR"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (layout, snap) = common::fixture(dir.path());
    let repo = unique("golden");
    let digest = push_fixture(&host, &repo, &layout);
    let (key, public) = keys(dir.path());
    let image = format!("registry:{host}/{repo}@{digest}");

    // The golden path with the registry as the store.
    let run_json = run_ok(
        common::stella()
            .args([
                "run",
                &format!("registry:{host}/{repo}:v1"),
                "--deterministic",
                "--json",
            ])
            .arg("--db")
            .arg(&snap)
            .arg("--key")
            .arg(&key)
            .args(["--store", &format!("oci://{host}/{repo}")]),
        &[0, 1],
    );
    let run: serde_json::Value = serde_json::from_str(&run_json).unwrap();
    let kinds = run["artifacts"].as_array().unwrap().len();
    assert!(kinds >= 12, "{run_json}");
    assert_eq!(
        run["image_digest"].as_str(),
        Some(digest.to_string().as_str())
    );

    // From here on nothing but the registry: every artifact is attached to the digest.
    let listed = run_ok(
        common::stella().args(["artifacts", "list", &image, "--json"]),
        &[0],
    );
    let listing: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let artifacts = listing["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), kinds, "{listed}");
    assert!(
        artifacts
            .iter()
            .all(|a| a["source"] == "tag-schema" && a.get("refused").is_none()),
        "{listed}"
    );
    for t in [
        "application/vnd.cyclonedx+json",
        "application/spdx+json",
        "application/sarif+json",
        "application/vnd.in-toto+json",
        "application/vnd.stella-ops.decision-record.v1+json",
    ] {
        assert!(
            artifacts.iter().any(|a| a["artifactType"] == t),
            "{t} missing: {listed}"
        );
    }
    let attestations = artifacts
        .iter()
        .filter(|a| a["artifactType"] == "application/vnd.in-toto+json")
        .count();
    let verified = run_ok(
        common::stella()
            .args(["verify", &image, "--json", "--key"])
            .arg(&public),
        &[0],
    );
    let v: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(
        v["passed"].as_u64(),
        Some(attestations as u64),
        "{verified}"
    );
    assert!(attestations >= 3, "{verified}");
    report(&format!("golden {host} {repo} {digest}"));

    // Mirror to an OCI layout and to the second registry, with the DB snapshot.
    let mirror_dir = dir.path().join("mirror");
    let out = run_ok(
        common::stella()
            .args(["mirror", &image, "--to"])
            .arg(format!("oci-layout:{}", mirror_dir.display()))
            .arg("--db")
            .arg(&snap),
        &[0],
    );
    assert!(out.contains(&format!("{kinds} referrers")), "{out}");
    let mirror_repo = unique("mirrored");
    let out = run_ok(
        common::stella()
            .args([
                "mirror",
                &image,
                "--to",
                &format!("registry:{mirror_host}/{mirror_repo}"),
            ])
            .arg("--db")
            .arg(&snap),
        &[0],
    );
    let db_artifact = out
        .lines()
        .find_map(|l| l.strip_prefix("attached vuln-db-snapshot "))
        .unwrap()
        .to_owned();
    report(&format!("mirror {mirror_host} {mirror_repo} {digest}"));

    // Second registry only: same digest, attestations verify, the DB comes from the mirror,
    // and the gate decides the same.
    let mirrored = format!("registry:{mirror_host}/{mirror_repo}@{digest}");
    let v = run_ok(
        common::stella()
            .args(["verify", &mirrored, "--json", "--key"])
            .arg(&public),
        &[0],
    );
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["passed"].as_u64(), Some(attestations as u64));
    let db_copy = dir.path().join("db-from-mirror");
    run_ok(
        common::stella()
            .args(["artifacts", "get", &mirrored, &db_artifact, "--output-file"])
            .arg(&db_copy),
        &[0],
    );
    assert_eq!(
        std::fs::read(&db_copy).unwrap(),
        std::fs::read(&snap).unwrap()
    );
    // The findings of a scan (the document also names the image as given, which differs).
    let scan = |image: &str, db: &Path| {
        let out = run_ok(
            common::stella()
                .args(["scan", image, "-o", "json", "--db"])
                .arg(db),
            &[0, 1],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            v["findings"].as_array().is_some_and(|f| !f.is_empty()),
            "{out}"
        );
        v["findings"].clone()
    };
    let original_scan = scan(&format!("registry:{host}/{repo}@{digest}"), &snap);
    assert_eq!(scan(&mirrored, &db_copy), original_scan);
    let mirror_run = run_ok(
        common::stella()
            .args(["run", &mirrored, "--deterministic", "--json", "--db"])
            .arg(&db_copy)
            .arg("--key")
            .arg(&key)
            .arg("--store")
            .arg(dir.path().join("store-mirror")),
        &[0, 1],
    );
    assert_eq!(
        gate_of(&mirror_run),
        gate_of(&run_json),
        "same decision from the mirror"
    );

    // The OCI layout only: the image by the same digest, scanned with the DB it holds.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(mirror_dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["digest"].as_str(),
        Some(digest.to_string().as_str())
    );
    let source = OciLayout::open_dir(&mirror_dir).unwrap();
    let found = stella::oci_mirror::layout_referrers(
        &source,
        &digest,
        &stella_core::oci_artifact::ArtifactLimits::default(),
    )
    .unwrap();
    assert_eq!(found.len(), kinds + 1, "every referrer and the DB snapshot");
    let (_, _, db_payload) = found
        .iter()
        .find(|(r, _, _)| {
            r.artifact_type.as_deref() == Some(stella::oci_mirror::ARTIFACT_TYPE_DB_SNAPSHOT)
        })
        .unwrap();
    let layout_db = dir.path().join("db-from-layout");
    std::fs::write(&layout_db, db_payload).unwrap();
    assert_eq!(
        scan(&format!("oci-dir:{}", mirror_dir.display()), &layout_db),
        original_scan
    );
    let layout_run = run_ok(
        common::stella()
            .args(["run", &format!("oci-dir:{}", mirror_dir.display())])
            .args(["--deterministic", "--json", "--db"])
            .arg(&layout_db)
            .arg("--key")
            .arg(&key)
            .arg("--store")
            .arg(dir.path().join("store-layout")),
        &[0, 1],
    );
    assert_eq!(
        gate_of(&layout_run),
        gate_of(&run_json),
        "same decision from the layout"
    );
    // The layout's attestations verify with the key, each about the image, from the layout.
    let v = run_ok(
        common::stella()
            .arg("verify")
            .arg(format!("oci-dir:{}", mirror_dir.display()))
            .args(["--json", "--key"])
            .arg(&public),
        &[0],
    );
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["passed"].as_u64(), Some(attestations as u64), "{v}");
    assert_eq!(v["image"].as_str(), Some(digest.to_string().as_str()));
    let listed = run_ok(
        common::stella()
            .args(["artifacts", "list", "--json"])
            .arg(format!("oci-dir:{}", mirror_dir.display())),
        &[0],
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["artifacts"].as_array().unwrap().len(), kinds + 1);
}

#[test]
#[ignore = "needs a registry: tests/registry/referrers.sh"]
#[allow(non_snake_case)]
fn eight_concurrent_writers_lose_no_referrer__needs_STELLA_TEST_REGISTRY() {
    let host = host("STELLA_TEST_REGISTRY");
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = common::fixture(dir.path());
    let repo = unique("eight");
    let digest = push_fixture(&host, &repo, &layout);
    let r = RegistryRef::parse(&format!("{host}/{repo}@{digest}")).unwrap();
    let subject = OciRepository::open(&r, RegistryOptions::default())
        .unwrap()
        .subject(&r)
        .unwrap();
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (r, subject, start) = (r.clone(), subject.clone(), start.clone());
            std::thread::spawn(move || {
                // One client per writer, as separate workers would have.
                let repo = OciRepository::open(&r, RegistryOptions::default()).unwrap();
                let payload = format!("{{\"writer\":{i}}}");
                start.wait();
                let a = repo
                    .attach(&subject, ArtifactKind::Sarif, payload.as_bytes(), Default::default())
                    .unwrap();
                assert_eq!(a.discovery, Discovery::TagSchema);
                let env = format!(
                    "{{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{{\"keyid\":\"w{i}\",\"sig\":\"AA==\"}}]}}"
                );
                repo.attach_cosign_attestation(&subject.digest, env.as_bytes(), "https://example.com/w")
                    .unwrap();
                (a.digest, Digest::of(env.as_bytes()))
            })
        })
        .collect();
    let written: Vec<(Digest, Digest)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let reader = OciRepository::open(&r, RegistryOptions::default()).unwrap();
    let (found, how) = reader.referrers(&digest, None).unwrap();
    assert_eq!(how, Discovery::TagSchema);
    for (artifact, _) in &written {
        assert!(
            found.iter().any(|f| f.digest == *artifact),
            "lost {artifact}"
        );
    }
    assert_eq!(found.len(), 8);
    let layers = reader.cosign_attestations(&digest).unwrap();
    for (_, layer) in &written {
        assert!(
            layers.iter().any(|l| l.layer.digest == *layer),
            "lost cosign layer {layer}"
        );
    }
    assert_eq!(layers.len(), 8);
    report(&format!("eight {host} {repo} {digest}"));
}

#[test]
#[ignore = "needs a registry: tests/registry/referrers.sh"]
#[allow(non_snake_case)]
fn a_swapped_subject_and_a_changed_layer_are_refused__needs_STELLA_TEST_REGISTRY() {
    let host = host("STELLA_TEST_REGISTRY");
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = common::fixture(dir.path());
    let (key, public) = keys(dir.path());
    let repo = unique("tamper");
    let digest = push_fixture(&host, &repo, &layout);
    // A second image in the same repository: the fixture with one more layer.
    let r = RegistryRef::parse(&format!("{host}/{repo}@{digest}")).unwrap();
    let oci = OciRepository::open(&r, RegistryOptions::default()).unwrap();
    let client = oci.client().clone();
    let manifest = client.fetch_manifest(&repo, &digest).unwrap();
    let mut other: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
    other["annotations"] = serde_json::json!({"org.example.other": "yes"});
    let other_bytes = serde_json::to_vec(&other).unwrap();
    let other_digest = client
        .push_manifest(
            &repo,
            "other",
            stella_core::MEDIA_TYPE_OCI_MANIFEST,
            &other_bytes,
        )
        .unwrap();
    let predicate = dir.path().join("p.json");
    std::fs::write(
        &predicate,
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#,
    )
    .unwrap();
    let attest = |image: &str| {
        run_ok(
            common::stella()
                .args(["attest", "--push", "--type", "cyclonedx", "--predicate"])
                .arg(&predicate)
                .arg("--key")
                .arg(&key)
                .arg(image),
            &[0],
        )
    };
    let own = attest(&format!("registry:{host}/{repo}@{digest}"));
    let theirs = attest(&format!("registry:{host}/{repo}@{other_digest}"));
    // Swapped subject: the other image's (validly signed) attestation listed for this one.
    let (other_refs, _) = oci.referrers(&other_digest, None).unwrap();
    assert_eq!(other_refs.len(), 1);
    oci.index_referrer(&digest, &other_refs[0]).unwrap();
    // Changed layer: a copy of this image's attestation manifest whose layer is an envelope
    // with a changed payload (the signatures kept).
    let mut env: serde_json::Value = serde_json::from_str(own.trim()).unwrap();
    env["payload"] = serde_json::Value::String(
        env["payload"]
            .as_str()
            .unwrap()
            .chars()
            .rev()
            .collect::<String>(),
    );
    let changed = serde_json::to_vec(&env).unwrap();
    let subject = Descriptor::new(
        stella_core::MEDIA_TYPE_OCI_MANIFEST,
        digest,
        manifest.bytes.len() as u64,
    );
    let built = ArtifactManifest::build(
        ArtifactKind::InTotoDsse,
        &changed,
        &subject,
        Default::default(),
    )
    .unwrap();
    client.push_blob(&repo, EMPTY_BLOB).unwrap();
    client.push_blob(&repo, &changed).unwrap();
    client
        .push_manifest(
            &repo,
            &built.digest.to_string(),
            stella_core::MEDIA_TYPE_OCI_MANIFEST,
            &built.bytes,
        )
        .unwrap();
    oci.index_referrer(&digest, &built.referrer()).unwrap();
    let _ = theirs;

    let out = run_ok(
        common::stella()
            .args([
                "verify",
                &format!("registry:{host}/{repo}@{digest}"),
                "--key",
            ])
            .arg(&public),
        &[0],
    );
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 2, "{out}");
    assert!(
        fails
            .iter()
            .any(|l| l.contains(&other_refs[0].digest.to_string()) && l.contains("subject")),
        "{out}"
    );
    assert!(
        fails.iter().any(|l| l.contains(&built.digest.to_string())),
        "{out}"
    );
    // The own attestation passes twice: as a referrer and in cosign's .att.
    assert!(out.contains("2 of 4 verified"), "{out}");
}
