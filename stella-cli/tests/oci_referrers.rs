#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Artifacts attached to registry images (`stella::oci`, `stella artifacts`, `stella verify
//! registry:…`), hermetic: against the loopback fake registry of `fake_registry`, once with the
//! OCI 1.1 referrers API (as zot and distribution 3 serve it, and replaying the distribution
//! spec's documented answers from `tests/vectors/oci-referrers/`) and once without it (the
//! referrers tag schema, as docker's distribution 2.x needs). The real registry is
//! `oci_registry_real.rs`, driven by `tests/registry/referrers.sh`.

mod common;
mod fake_registry;

use std::collections::BTreeMap;

use fake_registry::Fake;
use stella::image::registry::{RegistryOptions, RegistryRef};
use stella::oci::{Discovery, OciError, OciRepository, RegistryBlobStore};
use stella_core::oci_artifact::{
    ArtifactError, ArtifactKind, ArtifactLimits, ReferrersIndex, referrers_tag,
};
use stella_core::{Descriptor, Digest};
use stella_scan::testing::{BuiltImage, TestImage, TestLayer};

const REPO: &str = "team/app";

fn image(marker: &str) -> BuiltImage {
    TestImage::new()
        .layer(TestLayer::new().file("etc/marker", marker.as_bytes()))
        .build()
}

fn serve(fake: &Fake, built: &BuiltImage, tag: &str) {
    fake.add_image(REPO, tag, &built.root, &built.blobs, &[]);
}

fn repo(fake: &Fake) -> OciRepository {
    let r = RegistryRef::parse(&format!("{}/{REPO}:x", fake.host())).unwrap();
    let mut repo = OciRepository::open(&r, RegistryOptions::default()).unwrap();
    repo.tag_update.settle = std::time::Duration::from_millis(20);
    repo.tag_update.max_read_age = std::time::Duration::from_millis(2000);
    repo
}

fn subject(fake: &Fake, repo: &OciRepository, tag: &str) -> Descriptor {
    repo.subject(&RegistryRef::parse(&format!("{}/{REPO}:{tag}", fake.host())).unwrap())
        .unwrap()
}

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tests/vectors/oci-referrers/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn the_spec_documented_answers_parse_as_documented() {
    let index = ReferrersIndex::parse(
        &vector("spec-referrers-response.json"),
        &ArtifactLimits::default(),
    )
    .unwrap();
    let types: Vec<Option<&str>> = index
        .manifests
        .iter()
        .map(|m| m.artifact_type.as_deref())
        .collect();
    assert_eq!(
        types,
        [
            Some("application/vnd.example.sbom.v1"),
            Some("application/vnd.example.signature.v1"),
            None // an index without artifactType: omitted, as the spec says
        ]
    );
    assert_eq!(
        index.manifests[1].annotations["org.example.signature.fingerprint"],
        "abcd"
    );
    let filtered = ReferrersIndex::parse(
        &vector("spec-referrers-filtered.json"),
        &ArtifactLimits::default(),
    )
    .unwrap();
    assert_eq!(filtered.manifests.len(), 1);
}

#[test]
fn referrers_api_answers_recorded_from_the_spec() {
    let fake = Fake::start();
    let built = image("spec");
    serve(&fake, &built, "v1");
    let d = built.root.digest;
    {
        let mut s = fake.state();
        s.referrers_api = true;
        let path = format!("/v2/{REPO}/referrers/{d}");
        s.recorded_referrers.insert(
            path.clone(),
            (vec![], vector("spec-referrers-response.json")),
        );
        s.recorded_referrers.insert(
            format!("{path}?artifactType=application%2Fvnd%2Eexample%2Esbom%2Ev1"),
            (
                vec![("OCI-Filters-Applied".into(), "artifactType".into())],
                vector("spec-referrers-filtered.json"),
            ),
        );
        // A registry that ignores the filter (no header): the client filters.
        s.recorded_referrers.insert(
            format!("{path}?artifactType=application%2Fvnd%2Eexample%2Esignature%2Ev1"),
            (vec![], vector("spec-referrers-response.json")),
        );
    }
    let repo = repo(&fake);
    let (all, how) = repo.referrers(&d, None).unwrap();
    assert_eq!(how, Discovery::ReferrersApi);
    assert_eq!(all.len(), 3);
    let (sbom, _) = repo
        .referrers(&d, Some("application/vnd.example.sbom.v1"))
        .unwrap();
    assert_eq!(sbom.len(), 1);
    assert_eq!(sbom[0].digest.hex(), "a1".repeat(32));
    let (sigs, _) = repo
        .referrers(&d, Some("application/vnd.example.signature.v1"))
        .unwrap();
    assert_eq!(
        sigs.len(),
        1,
        "the filter the registry did not apply is applied here"
    );
    assert_eq!(sigs[0].digest.hex(), "a2".repeat(32));
    let queries: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.target.contains("/referrers/"))
        .map(|r| r.target)
        .collect();
    assert!(
        queries
            .iter()
            .any(|q| q.ends_with("?artifactType=application%2Fvnd%2Eexample%2Esbom%2Ev1"))
    );
}

#[test]
fn with_the_referrers_api_attach_writes_no_tag_and_pages_are_followed() {
    let fake = Fake::start();
    let built = image("api");
    serve(&fake, &built, "v1");
    {
        let mut s = fake.state();
        s.referrers_api = true;
        s.referrers_page_size = 1;
    }
    let repo = repo(&fake);
    let subject = subject(&fake, &repo, "v1");
    let mut attached = Vec::new();
    for (kind, payload) in [
        (
            ArtifactKind::CycloneDx,
            &br#"{"bomFormat":"CycloneDX"}"#[..],
        ),
        (ArtifactKind::Sarif, br#"{"version":"2.1.0"}"#),
        (
            ArtifactKind::OpenVex,
            br#"{"@context":"https://openvex.dev/ns/v0.2.0"}"#,
        ),
    ] {
        let a = repo
            .attach(&subject, kind, payload, BTreeMap::new())
            .unwrap();
        assert_eq!(a.discovery, Discovery::ReferrersApi);
        attached.push(a.digest);
    }
    let tags: Vec<String> = fake.state().manifests[REPO]
        .keys()
        .filter(|k| !k.starts_with("sha256:"))
        .cloned()
        .collect();
    assert_eq!(tags, ["v1"], "no referrers tag with the API");
    let (found, how) = repo.referrers(&subject.digest, None).unwrap();
    assert_eq!(how, Discovery::ReferrersApi);
    let mut got: Vec<Digest> = found.iter().map(|r| r.digest).collect();
    got.sort();
    attached.sort();
    assert_eq!(got, attached, "three pages of one");
    let (sarif, _) = repo
        .referrers(&subject.digest, Some(ArtifactKind::Sarif.artifact_type()))
        .unwrap();
    assert_eq!(sarif.len(), 1);
    let fetched = repo.fetch_artifact(&subject.digest, &sarif[0]).unwrap();
    assert_eq!(fetched.payload, br#"{"version":"2.1.0"}"#);
    assert_eq!(fetched.kind, Some(ArtifactKind::Sarif));
}

#[test]
fn without_the_api_the_tag_schema_holds_every_referrer() {
    let fake = Fake::start();
    let built = image("tags");
    serve(&fake, &built, "v1");
    let repo = repo(&fake);
    let subject = subject(&fake, &repo, "v1");
    let a = repo
        .attach(
            &subject,
            ArtifactKind::Spdx,
            b"{\"spdx\":1}",
            BTreeMap::new(),
        )
        .unwrap();
    let b = repo
        .attach(
            &subject,
            ArtifactKind::DecisionRecord,
            b"{\"allow\":true}",
            BTreeMap::new(),
        )
        .unwrap();
    assert_eq!(a.discovery, Discovery::TagSchema);
    let tag = referrers_tag(&subject.digest);
    let (media_type, bytes) = fake.state().manifests[REPO][&tag].clone();
    assert_eq!(media_type, "application/vnd.oci.image.index.v1+json");
    let index = ReferrersIndex::parse(&bytes, &ArtifactLimits::default()).unwrap();
    assert!(index.contains(&a.digest) && index.contains(&b.digest));
    assert_eq!(bytes, index.to_bytes().unwrap(), "canonical, sorted");
    let (found, how) = repo.referrers(&subject.digest, None).unwrap();
    assert_eq!(how, Discovery::TagSchema);
    assert_eq!(found.len(), 2);
    // Attaching the same bytes again is a no-op: same digest, no duplicate entry.
    let again = repo
        .attach(
            &subject,
            ArtifactKind::Spdx,
            b"{\"spdx\":1}",
            BTreeMap::new(),
        )
        .unwrap();
    assert_eq!(again.digest, a.digest);
    assert_eq!(repo.referrers(&subject.digest, None).unwrap().0.len(), 2);
}

#[test]
fn a_swapped_subject_and_a_changed_layer_are_refused() {
    let fake = Fake::start();
    let (one, two) = (image("one"), image("two"));
    serve(&fake, &one, "one");
    serve(&fake, &two, "two");
    let repo = repo(&fake);
    let s1 = subject(&fake, &repo, "one");
    let s2 = subject(&fake, &repo, "two");
    // An artifact about image two, listed in image one's referrers index.
    let other = repo
        .attach(
            &s2,
            ArtifactKind::CycloneDx,
            b"{\"about\":2}",
            BTreeMap::new(),
        )
        .unwrap();
    repo.index_referrer(&s1.digest, &other.referrer).unwrap();
    let (found, _) = repo.referrers(&s1.digest, None).unwrap();
    assert_eq!(found.len(), 1);
    let err = repo.fetch_artifact(&s1.digest, &found[0]).unwrap_err();
    assert!(
        matches!(err, OciError::Format(ArtifactError::SubjectMismatch { .. })),
        "{err}"
    );
    // A layer whose bytes the registry changed.
    let mine = repo
        .attach(&s1, ArtifactKind::Sarif, b"{\"runs\":[]}", BTreeMap::new())
        .unwrap();
    // Same length, other bytes: the digest check refuses them.
    fake.state()
        .blobs
        .insert(Digest::of(b"{\"runs\":[]}"), b"{\"runs\":{}}".to_vec());
    let err = repo.fetch_artifact(&s1.digest, &mine.referrer).unwrap_err();
    assert!(
        matches!(
            err,
            OciError::Registry(stella::image::registry::RegistryError::DigestMismatch { .. })
        ),
        "{err}"
    );
    // Longer: refused before it is read past the descriptor's size.
    fake.state()
        .blobs
        .insert(Digest::of(b"{\"runs\":[]}"), b"{\"runs\":[1]}".to_vec());
    let err = repo.fetch_artifact(&s1.digest, &mine.referrer).unwrap_err();
    assert!(
        matches!(
            err,
            OciError::Registry(stella::image::registry::RegistryError::TooLarge { .. })
        ),
        "{err}"
    );
}

#[test]
fn cosign_attestations_accumulate_in_the_att_tag() {
    let fake = Fake::start();
    let built = image("cosign");
    serve(&fake, &built, "v1");
    let repo = repo(&fake);
    let s = subject(&fake, &repo, "v1");
    let e1 = br#"{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[]}"#;
    let e2 = br#"{"payload":"e30K","payloadType":"application/vnd.in-toto+json","signatures":[]}"#;
    repo.attach_cosign_attestation(&s.digest, e1, "https://cyclonedx.org/bom")
        .unwrap();
    repo.attach_cosign_attestation(&s.digest, e2, "https://slsa.dev/provenance/v1")
        .unwrap();
    repo.attach_cosign_attestation(&s.digest, e1, "https://cyclonedx.org/bom")
        .unwrap();
    let found = repo.cosign_attestations(&s.digest).unwrap();
    let envelopes: Vec<&[u8]> = found.iter().map(|a| a.envelope.as_slice()).collect();
    assert_eq!(envelopes, [&e1[..], &e2[..]]);
    assert_eq!(
        found[1].layer.annotations["predicateType"],
        "https://slsa.dev/provenance/v1"
    );
    assert!(fake.state().manifests[REPO].contains_key(&format!("sha256-{}.att", s.digest.hex())));
}

#[test]
fn registry_blob_store_keeps_the_blob_store_contract() {
    let fake = Fake::start();
    let store = RegistryBlobStore::new(repo(&fake));
    let tamper = |d: &Digest, bytes: &[u8]| {
        fake.state().blobs.insert(*d, bytes.to_vec());
    };
    stella_core::testing::check_blob_store(&store, &tamper);
}

#[test]
fn cli_attest_push_then_list_and_verify_from_the_registry_only() {
    let fake = Fake::start();
    let built = image("cli");
    serve(&fake, &built, "v1");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let r = common::stella()
        .args(["key", "generate", "--output-file"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = common::stella()
        .args(["key", "public", "--key"])
        .arg(&key)
        .arg("--output-file")
        .arg(dir.path().join("key.pub"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let predicate = dir.path().join("p.json");
    std::fs::write(
        &predicate,
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#,
    )
    .unwrap();
    let image_ref = format!("registry:{}/{REPO}:v1", fake.host());
    let r = common::stella()
        .args(["attest", "--push", "--type", "cyclonedx", "--predicate"])
        .arg(&predicate)
        .arg("--key")
        .arg(&key)
        .arg("--output-file")
        .arg(dir.path().join("env.json"))
        .arg(&image_ref)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let listed = common::stella()
        .args(["artifacts", "list", &image_ref])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(
        text.contains("tag-schema") && text.contains("application/vnd.in-toto+json"),
        "{text}"
    );
    assert!(
        text.contains("cosign-att") && text.contains("predicate=https://cyclonedx.org/bom"),
        "{text}"
    );
    let verify = |key: &std::path::Path| {
        common::stella()
            .args(["verify", &image_ref, "--type", "cyclonedx", "--key"])
            .arg(key)
            .output()
            .unwrap()
    };
    let ok = verify(&dir.path().join("key.pub"));
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        out.matches("PASS").count(),
        2,
        "referrer and cosign layer: {out}"
    );
    assert!(out.contains("2 of 2 verified"), "{out}");
    // Another key: nothing verifies, exit 1.
    let other = dir.path().join("other.pem");
    common::stella()
        .args(["key", "generate", "--output-file"])
        .arg(&other)
        .assert()
        .success();
    common::stella()
        .args(["key", "public", "--key"])
        .arg(&other)
        .arg("--output-file")
        .arg(dir.path().join("other.pub"))
        .assert()
        .success();
    let bad = verify(&dir.path().join("other.pub"));
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("0 of 2 verified"), "{out}");

    // Mirrored to an OCI layout and to a second registry (with the referrers API): the same
    // digest, and both attestations verify there alone.
    let layout = dir.path().join("mirror");
    let second = Fake::start();
    second.state().referrers_api = true;
    for to in [
        format!("oci-layout:{}", layout.display()),
        format!("registry:{}/mirror/app", second.host()),
    ] {
        let r = common::stella()
            .args(["mirror", &image_ref, "--to", &to])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&r.stdout).into_owned();
        assert!(
            r.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(out.contains("1 referrers, 1 cosign attestations"), "{out}");
    }
    let digest = built.root.digest.to_string();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["digest"].as_str(),
        Some(digest.as_str())
    );
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    for mirrored in [
        format!("oci-dir:{}", layout.display()),
        format!("registry:{}/mirror/app@{digest}", second.host()),
    ] {
        let r = common::stella()
            .args(["verify", &mirrored, "--type", "cyclonedx", "--key"])
            .arg(dir.path().join("key.pub"))
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&r.stdout).into_owned();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{mirrored}: {out}{}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(out.contains("2 of 2 verified"), "{mirrored}: {out}");
    }
    let tags: Vec<String> = second.state().manifests["mirror/app"]
        .keys()
        .filter(|k| !k.starts_with("sha256:"))
        .cloned()
        .collect();
    assert_eq!(
        tags,
        [
            format!("sha256-{}.att", built.root.digest.hex()),
            "v1".to_owned()
        ],
        "the second registry has the API: no referrers tag, only cosign's .att and the tag"
    );
}
