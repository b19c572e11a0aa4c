#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Hermetic tests of `stella::image::registry` against the loopback fake registry in
//! `fake_registry/`: token auth, manifest lists, digest checks of manifests and blobs, a tag
//! that moves, size limits, redirects to blob storage, push, and the `registry:` reference in
//! the CLI.

mod fake_registry;

use std::io::Read;
use std::sync::Arc;

use assert_cmd::Command;
use fake_registry::Fake;
use stella::image::registry::{
    AuthProblem, Credentials, DockerConfig, RegistryClient, RegistryError, RegistryImage,
    RegistryOptions, RegistryRef,
};
use stella::image::testing::write_oci_layout;
use stella::image::{ImageRef, OciLayout};
use stella::store::FsBlobStore;
use stella_core::{BlobStore, CoreError, Digest, ImageSource, MemoryBlobStore, Timestamp};
use stella_scan::engine::{ScanOptions, scan_image_detailed};
use stella_scan::image::Platform;
use stella_scan::sbom::{WriteOptions, cyclonedx};
use stella_scan::testing::{BuiltImage, TestImage, TestIndex, TestLayer};
use stella_scan::{ImageError, ScanError, ScanLimits};

const REPO: &str = "team/app";

fn image() -> BuiltImage {
    TestImage::new()
        .layer(TestLayer::new().file(
            "var/lib/dpkg/status",
            b"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n",
        ))
        .layer(TestLayer::new().file(
            "usr/lib/python3/site-packages/requests-2.19.1.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n",
        ))
        .build()
}

fn multi_arch() -> BuiltImage {
    let layer = |arch: &str| {
        TestLayer::new().file(
            "var/lib/dpkg/status",
            format!("Package: libc6\nStatus: install ok installed\nArchitecture: {arch}\nSource: glibc\nVersion: 2.36-9\n\n").as_bytes(),
        )
    };
    TestIndex::new()
        .image(TestImage::new().layer(layer("amd64")))
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/arm64/v8").unwrap())
                .layer(layer("arm64")),
        )
        .build()
}

/// Serves a built image: every manifest and index (nested ones too) under its digest, the
/// root also under `tag`.
fn serve(fake: &Fake, built: &BuiltImage, tag: &str) {
    let manifests: Vec<_> = built
        .blobs
        .iter()
        .filter_map(|(digest, bytes)| {
            let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
            let media_type = value.get("mediaType")?.as_str()?;
            stella::image::registry::MANIFEST_MEDIA_TYPES
                .contains(&media_type)
                .then(|| stella_core::Descriptor::new(media_type, *digest, bytes.len() as u64))
        })
        .collect();
    fake.add_image(REPO, tag, &built.root, &built.blobs, &manifests);
}

fn reference(fake: &Fake, suffix: &str) -> RegistryRef {
    RegistryRef::parse(&format!("{}/{REPO}{suffix}", fake.host())).unwrap()
}

fn pull(fake: &Fake, suffix: &str) -> Result<RegistryImage, RegistryError> {
    pull_with(fake, suffix, RegistryOptions::default())
}

fn pull_with(
    fake: &Fake,
    suffix: &str,
    options: RegistryOptions,
) -> Result<RegistryImage, RegistryError> {
    let r = reference(fake, suffix);
    RegistryClient::new(&r, options)?.pull(&r)
}

fn registry_error(e: &CoreError) -> Option<&RegistryError> {
    match e {
        CoreError::Backend { source, .. } => source.downcast_ref::<RegistryError>(),
        _ => None,
    }
}

fn sbom(source: &dyn ImageSource, platform: Option<Platform>) -> Result<Vec<u8>, ScanError> {
    let catalogers = stella_scan::catalog::default_catalogers();
    let options = ScanOptions {
        platform,
        name: Some("fixture".into()),
        ..ScanOptions::default()
    };
    let scan = scan_image_detailed(source, &catalogers, &options)?;
    let write = WriteOptions {
        timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
        tool_name: "stella".into(),
        tool_version: "test".into(),
    };
    cyclonedx::write(&scan.sbom, &write)
}

fn layout_sbom(built: &BuiltImage, platform: Option<Platform>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &built.root, &built.blobs).unwrap();
    sbom(&OciLayout::open_dir(dir.path()).unwrap(), platform).unwrap()
}

#[test]
fn pull_by_tag_and_digest_scans_byte_identical_to_the_oci_layout() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    let expected = layout_sbom(&built, None);
    let by_tag = pull(&fake, ":v1").unwrap();
    assert_eq!(by_tag.digest(), built.root.digest);
    assert_eq!(by_tag.reference().digest, Some(built.root.digest));
    let by_digest = pull(&fake, &format!("@{}", built.root.digest)).unwrap();
    assert_eq!(sbom(&by_tag, None).unwrap(), expected);
    assert_eq!(sbom(&by_digest, None).unwrap(), expected);
    let text = String::from_utf8(expected).unwrap();
    assert!(text.contains("pkg:deb/") && text.contains("pkg:pypi/requests@2.19.1"));
    // Only the first request of the pull names the tag; everything after is by digest.
    let tagged: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.target.ends_with("/manifests/v1"))
        .collect();
    assert_eq!(tagged.len(), 1, "{tagged:?}");
}

#[test]
fn docker_v2_media_types_are_read() {
    let fake = Fake::start();
    let built = TestImage::new()
        .docker_media_types()
        .layer(TestLayer::new().file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"))
        .build();
    serve(&fake, &built, "docker");
    let pulled = pull(&fake, ":docker").unwrap();
    assert_eq!(
        pulled.root().unwrap().media_type,
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(sbom(&pulled, None).unwrap(), layout_sbom(&built, None));
}

#[test]
fn token_auth_challenge_is_answered_and_the_token_reused() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    fake.state().token = Some("tok-123".into());
    let pulled = pull(&fake, ":v1").unwrap();
    sbom(&pulled, None).unwrap();
    let requests = fake.requests();
    let token_requests: Vec<_> = requests
        .iter()
        .filter(|r| r.target.starts_with("/token"))
        .collect();
    assert_eq!(token_requests.len(), 1, "token fetched once: {requests:?}");
    assert_eq!(
        token_requests[0].target,
        "/token?service=fake-registry&scope=repository%3Ateam%2Fapp%3Apull"
    );
    assert_eq!(token_requests[0].authorization, None, "anonymous");
    let authorized = requests
        .iter()
        .filter(|r| r.authorization.as_deref() == Some("Bearer tok-123"))
        .count();
    // Manifest by tag, manifest by digest, config, two layers.
    assert!(authorized >= 5, "{requests:?}");
}

#[test]
fn token_endpoint_gets_basic_credentials_and_refuses_without_them() {
    let fake = Fake::start();
    serve(&fake, &image(), "v1");
    {
        let mut s = fake.state();
        s.token = Some("tok".into());
        s.token_basic = Some(("ci".into(), "pw".into()));
    }
    let err = pull(&fake, ":v1").unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Unauthorized {
                reason: AuthProblem::TokenEndpointRefused,
                ..
            }
        ),
        "{err}"
    );
    let wrong = RegistryOptions::default()
        .with_credentials(&fake.host(), Credentials::new("ci", "nope"))
        .unwrap();
    assert!(matches!(
        pull_with(&fake, ":v1", wrong),
        Err(RegistryError::Unauthorized {
            reason: AuthProblem::TokenEndpointRefused,
            ..
        })
    ));
    let right = RegistryOptions::default()
        .with_credentials(&fake.host(), Credentials::new("ci", "pw"))
        .unwrap();
    pull_with(&fake, ":v1", right).unwrap();
}

#[test]
fn manifest_list_selects_the_platform() {
    let fake = Fake::start();
    let built = multi_arch();
    serve(&fake, &built, "multi");
    let pulled = pull(&fake, ":multi").unwrap();
    assert_eq!(pulled.digest(), built.root.digest);
    let limits = ScanLimits::default();
    let amd64 = pulled.resolve_platform(None, &limits).unwrap();
    assert_eq!(amd64.manifest_digest, built.images[0].manifest.digest);
    let arm = Platform::parse("linux/arm64").unwrap();
    let arm64 = pulled.resolve_platform(Some(&arm), &limits).unwrap();
    assert_eq!(arm64.manifest_digest, built.images[1].manifest.digest);
    assert_eq!(arm64.platform.to_string(), "linux/arm64/v8");
    let err = pulled
        .resolve_platform(Some(&Platform::parse("linux/s390x").unwrap()), &limits)
        .unwrap_err();
    assert!(
        matches!(err, ScanError::Image(ImageError::NoMatchingPlatform { .. })),
        "{err}"
    );
    // The scan of each platform equals the layout's.
    assert_eq!(sbom(&pulled, None).unwrap(), layout_sbom(&built, None));
    assert_eq!(
        sbom(&pulled, Some(arm.clone())).unwrap(),
        layout_sbom(&built, Some(arm))
    );
}

#[test]
fn a_blob_served_with_the_wrong_digest_is_refused_and_never_stored() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    let layer = built.images[0].layers[1].digest;
    let config = built.images[0].config.digest;
    {
        let mut s = fake.state();
        let mut evil = s.blobs[&layer].clone();
        let last = evil.len() - 1;
        evil[last] ^= 1;
        s.blobs.insert(layer, evil);
        s.blobs.insert(
            config,
            b"{\"architecture\":\"amd64\",\"os\":\"linux\"}".to_vec(),
        );
    }
    let pulled = pull(&fake, ":v1").unwrap();
    // Whole blobs (the config): a typed digest mismatch.
    let err = pulled.blob(&config).unwrap_err();
    assert!(
        matches!(err, CoreError::DigestMismatch { expected, .. } if expected == config),
        "{err}"
    );
    // Streamed blobs (layers): the stream fails at its end.
    let mut bytes = Vec::new();
    let err = pulled
        .open_blob(&layer)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(
        err.to_string().contains("does not match its digest"),
        "{err}"
    );
    // Into a store: nothing is published under either digest.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FsBlobStore::open(dir.path()).unwrap());
    let cached = pull(&fake, ":v1").unwrap().with_store(store.clone());
    assert!(cached.blob(&config).is_err());
    assert!(cached.open_blob(&layer).is_err());
    assert!(!store.contains(&config).unwrap());
    assert!(!store.contains(&layer).unwrap());
    // With a good config, the copy stops at the bad layer; the good one is kept, the bad
    // one is not.
    fake.state()
        .blobs
        .insert(config, built.blobs[&config].clone());
    let memory = MemoryBlobStore::new();
    let err = pull(&fake, ":v1")
        .unwrap()
        .copy_to_store(&memory, None, &ScanLimits::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("does not match its digest"),
        "{err}"
    );
    assert!(memory.contains(&config).unwrap());
    assert!(memory.contains(&built.images[0].layers[0].digest).unwrap());
    assert!(!memory.contains(&layer).unwrap());
    // And the scan fails rather than reporting on bytes nobody vouched for.
    assert!(sbom(&pull(&fake, ":v1").unwrap(), None).is_err());
}

#[test]
fn a_store_caches_every_verified_blob_and_serves_from_it() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    let dir = tempfile::tempdir().unwrap();
    let store = FsBlobStore::open(dir.path()).unwrap();
    let stored = pull(&fake, ":v1")
        .unwrap()
        .copy_to_store(&store, None, &ScanLimits::default())
        .unwrap();
    let mut expected: Vec<Digest> = built.blobs.keys().copied().collect();
    expected.sort();
    let mut got = stored.clone();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(stored[0], built.root.digest);
    // A second pull with the store reads no blob from the network.
    let before = fake.requests().len();
    let cached = pull(&fake, ":v1")
        .unwrap()
        .with_store(Arc::new(FsBlobStore::open(dir.path()).unwrap()));
    assert_eq!(sbom(&cached, None).unwrap(), layout_sbom(&built, None));
    let after: Vec<_> = fake.requests().split_off(before);
    assert!(
        after.iter().all(|r| r.target.contains("/manifests/")),
        "{after:?}"
    );
}

#[test]
fn a_nested_index_pulls_and_caches() {
    let fake = Fake::start();
    let built = TestIndex::new()
        .image(TestImage::new().layer(TestLayer::new().file("etc/hostname", b"a\n")))
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/arm64").unwrap())
                .layer(TestLayer::new().file("etc/hostname", b"b\n")),
        )
        .nested()
        .build();
    serve(&fake, &built, "nested");
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn BlobStore> = Arc::new(FsBlobStore::open(dir.path()).unwrap());
    let first = pull(&fake, ":nested").unwrap().with_store(store.clone());
    assert_eq!(sbom(&first, None).unwrap(), layout_sbom(&built, None));
    // Served again from the store: the outer index comes from the registry (by tag, then by
    // digest), the inner index, manifest, config and layer from the store.
    let before = fake.requests().len();
    let second = pull(&fake, ":nested").unwrap().with_store(store);
    assert_eq!(sbom(&second, None).unwrap(), layout_sbom(&built, None));
    let after = fake.requests().split_off(before);
    assert_eq!(after.len(), 2, "{after:?}");
    // And the other platform's manifest is still fetched from the manifests endpoint.
    let arm = Platform::parse("linux/arm64").unwrap();
    assert_eq!(
        sbom(&second, Some(arm.clone())).unwrap(),
        layout_sbom(&built, Some(arm))
    );
    let arm_manifest = built.images[1].manifest.digest;
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.target.ends_with(&format!("/manifests/{arm_manifest}")))
    );
}

#[test]
fn a_manifest_with_the_wrong_digest_is_refused() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    let d = built.root.digest.to_string();
    {
        let mut s = fake.state();
        let entry = s.manifests.get_mut(REPO).unwrap().get_mut(&d).unwrap();
        entry.1.push(b' ');
    }
    let err = pull(&fake, &format!("@{d}")).unwrap_err();
    assert!(
        matches!(&err, RegistryError::DigestMismatch { expected, .. } if *expected == built.root.digest),
        "{err}"
    );
    // A Docker-Content-Digest that disagrees with the bytes of a tag is refused too.
    let fake = Fake::start();
    serve(&fake, &built, "v1");
    fake.state().lying_digest_header = Some(format!("sha256:{}", "0".repeat(64)));
    let err = pull(&fake, ":v1").unwrap_err();
    assert!(
        matches!(err, RegistryError::DigestHeaderMismatch { .. }),
        "{err}"
    );
}

#[test]
fn a_tag_that_moves_between_resolve_and_pull_is_detected() {
    let fake = Fake::start();
    let first = image();
    let second = TestImage::new()
        .layer(TestLayer::new().file("etc/hostname", b"other\n"))
        .build();
    serve(&fake, &first, "v1");
    serve(&fake, &second, "v2");
    fake.state()
        .tag_sequence
        .insert("v1".into(), vec![first.root.digest, second.root.digest]);
    let pulled = pull(&fake, ":v1").unwrap();
    assert_eq!(pulled.digest(), first.root.digest);
    // The pull goes on with the digest it resolved, whatever the tag does.
    assert_eq!(sbom(&pulled, None).unwrap(), layout_sbom(&first, None));
    let err = pulled.confirm_tag().unwrap_err();
    match err {
        RegistryError::TagMoved {
            pulled,
            now,
            reference,
            ..
        } => {
            assert_eq!(pulled, first.root.digest);
            assert_eq!(now, second.root.digest);
            assert!(reference.ends_with("team/app:v1"), "{reference}");
        }
        other => panic!("{other}"),
    }
    // A tag that stays put confirms; a pull by digest has nothing to confirm.
    pull(&fake, ":v2").unwrap().confirm_tag().unwrap();
    pull(&fake, &format!("@{}", first.root.digest))
        .unwrap()
        .confirm_tag()
        .unwrap();
}

#[test]
fn oversize_responses_are_refused() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    // A manifest over the manifest limit.
    let small = RegistryOptions {
        max_manifest_bytes: 100,
        ..RegistryOptions::default()
    };
    let err = pull_with(&fake, ":v1", small).unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::TooLarge {
                what: "manifest",
                max: 100,
                ..
            }
        ),
        "{err}"
    );
    // A blob announcing a huge Content-Length is refused before reading.
    let layer = built.images[0].layers[0].digest;
    let config = built.images[0].config.digest;
    fake.state().lying_length.insert(config, 1 << 40);
    let pulled = pull(&fake, ":v1").unwrap();
    let err = pulled.blob(&config).unwrap_err();
    assert!(
        matches!(err, CoreError::LimitExceeded { actual, .. } if actual == 1 << 40),
        "{err}"
    );
    // A blob streamed without a length stops at the blob limit.
    fake.state().endless.insert(layer, 3 << 20);
    let limited = pull_with(
        &fake,
        ":v1",
        RegistryOptions {
            max_blob_bytes: 1 << 20,
            ..RegistryOptions::default()
        },
    )
    .unwrap();
    let err = limited
        .open_blob(&layer)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert!(err.to_string().contains("exceeded"), "{err}");
}

#[test]
fn a_stalled_response_times_out() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    let config = built.images[0].config.digest;
    let layer = built.images[0].layers[0].digest;
    {
        let mut s = fake.state();
        s.trickle.insert(config);
        s.stall.insert(layer);
    }
    let options = RegistryOptions {
        request_timeout: std::time::Duration::from_millis(1000),
        read_timeout: std::time::Duration::from_millis(700),
        ..RegistryOptions::default()
    };
    let pulled = pull_with(&fake, ":v1", options).unwrap();
    // A whole small blob trickled byte by byte (each read within the read deadline): the
    // call's deadline.
    let started = std::time::Instant::now();
    let err = pulled.blob(&config).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(
        matches!(registry_error(&err), Some(RegistryError::Transport { .. })),
        "{err}"
    );
    // A stream: the per-read deadline.
    let err = pulled
        .open_blob(&layer)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert!(err.to_string().to_lowercase().contains("timeout"), "{err}");
}

#[test]
fn blob_redirects_to_storage_are_followed_without_credentials() {
    let storage = Fake::start();
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    storage.state().blobs = built.blobs.clone();
    {
        let mut s = fake.state();
        s.token = Some("secret-token".into());
        // Another origin: `localhost` and another port.
        s.redirect_blobs_to = Some(format!("http://localhost:{}", storage.port));
    }
    let pulled = pull(&fake, ":v1").unwrap();
    assert_eq!(sbom(&pulled, None).unwrap(), layout_sbom(&built, None));
    let at_storage = storage.requests();
    assert_eq!(at_storage.len(), 3, "config + 2 layers: {at_storage:?}");
    assert!(
        at_storage.iter().all(|r| r.authorization.is_none()),
        "credentials leaked to blob storage: {at_storage:?}"
    );
    // A redirect loop ends at the limit.
    fake.state().redirect_loop = true;
    let pulled = pull(&fake, ":v1").unwrap();
    let err = pulled.blob(&built.images[0].config.digest).unwrap_err();
    assert!(
        matches!(
            registry_error(&err),
            Some(RegistryError::TooManyRedirects { max: 5, .. })
        ),
        "{err}"
    );
    // A redirect to plain HTTP off loopback is refused before connecting.
    {
        let mut s = fake.state();
        s.redirect_loop = false;
        s.redirect_blobs_to = Some("http://blobs.example.invalid".into());
    }
    let pulled = pull(&fake, ":v1").unwrap();
    let err = pulled.blob(&built.images[0].config.digest).unwrap_err();
    assert!(
        matches!(
            registry_error(&err),
            Some(RegistryError::InsecureTransport { url }) if url.starts_with("http://blobs.example.invalid/")
        ),
        "{err}"
    );
}

#[test]
fn missing_content_is_a_typed_status_error() {
    let fake = Fake::start();
    serve(&fake, &image(), "v1");
    let err = pull(&fake, ":nope").unwrap_err();
    match err {
        RegistryError::Status { status, codes, .. } => {
            assert_eq!(status, 404);
            assert_eq!(codes, ["MANIFEST_UNKNOWN"]);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn push_uploads_an_index_that_pulls_back_identically() {
    let fake = Fake::start();
    let built = multi_arch();
    let r = reference(&fake, ":pushed");
    let client = RegistryClient::new(&r, RegistryOptions::default()).unwrap();
    let digest = client.push_image(REPO, "pushed", &built.source).unwrap();
    assert_eq!(digest, built.root.digest);
    {
        let s = fake.state();
        for (d, bytes) in &built.blobs {
            let in_blobs = s.blobs.get(d) == Some(bytes);
            let in_manifests = s.manifests[REPO]
                .get(&d.to_string())
                .is_some_and(|(_, b)| b == bytes);
            assert!(in_blobs || in_manifests, "{d} not pushed");
        }
    }
    // A second push uploads no blob again (HEAD says it is there).
    let before = fake.requests().len();
    client.push_image(REPO, "pushed", &built.source).unwrap();
    let again = fake.requests().split_off(before);
    assert!(again.iter().all(|r| r.method != "POST"), "{again:?}");
    let pulled = client.pull(&r).unwrap();
    assert_eq!(sbom(&pulled, None).unwrap(), layout_sbom(&built, None));
}

#[test]
fn registry_references_parse_and_the_cli_scans_them() {
    let fake = Fake::start();
    let built = image();
    serve(&fake, &built, "v1");
    let text = format!("registry:{}/{REPO}@{}", fake.host(), built.root.digest);
    match ImageRef::parse(&text).unwrap() {
        ImageRef::Registry(r) => {
            assert_eq!(r.repository, REPO);
            assert_eq!(r.digest, Some(built.root.digest));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ImageRef::parse(&text).unwrap().to_string(), text);
    let out = Command::cargo_bin("stella")
        .unwrap()
        .args(["sbom", &text])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("pkg:pypi/requests@2.19.1"), "{stdout}");
    assert!(stdout.contains(&built.root.digest.hex()), "{stdout}");
    // A malformed registry reference is a usage error naming the input.
    let out = Command::cargo_bin("stella")
        .unwrap()
        .args(["sbom", "registry:example.org/app@sha256:abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid image reference"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Credentials belong to one registry host.

/// Options with `user:password` for `registry` only.
fn creds_for(registry: &str, user: &str, password: &str) -> RegistryOptions {
    RegistryOptions::default()
        .with_credentials(registry, Credentials::new(user, password))
        .unwrap()
}

/// A fake that wants basic auth `ci:pw` and serves the test image as `v1`.
fn basic_fake() -> Fake {
    let fake = Fake::start();
    serve(&fake, &image(), "v1");
    fake.state().basic = Some(("ci".into(), "pw".into()));
    fake
}

fn authorized(fake: &Fake) -> Vec<fake_registry::Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.authorization.is_some())
        .collect()
}

#[test]
fn host_a_credentials_are_not_sent_to_host_b() {
    let a = basic_fake();
    let b = basic_fake();
    // The owner of host B asks for basic credentials: host A's are not given.
    let options = creds_for(&a.host(), "ci", "pw");
    let err = pull_with(&b, ":v1", options.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Unauthorized {
                reason: AuthProblem::NoBasicCredentials,
                ..
            }
        ),
        "{err}"
    );
    assert!(authorized(&b).is_empty(), "{:?}", b.requests());
    pull_with(&a, ":v1", options).unwrap();
    // Another name for the same address is another host: credentials for `localhost:PORT`
    // are not sent to `127.0.0.1:PORT`.
    let c = basic_fake();
    let err = pull_with(
        &c,
        ":v1",
        creds_for(&format!("localhost:{}", c.port), "ci", "pw"),
    )
    .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
    assert!(authorized(&c).is_empty(), "{:?}", c.requests());
}

#[test]
fn a_token_realm_on_another_loopback_host_gets_the_credentials_and_the_token_stays_home() {
    // The registry on 127.0.0.1:P1 names a realm on localhost:P2 (another host:port).
    let registry = Fake::start();
    let realm = Fake::start();
    serve(&registry, &image(), "v1");
    {
        let mut s = realm.state();
        s.token = Some("tok-from-realm".into());
        s.token_basic = Some(("ci".into(), "pw".into()));
    }
    {
        let mut s = registry.state();
        s.token = Some("tok-from-realm".into());
        s.realm = Some(format!("http://localhost:{}/token", realm.port));
    }
    let pulled = pull_with(&registry, ":v1", creds_for(&registry.host(), "ci", "pw")).unwrap();
    sbom(&pulled, None).unwrap();
    let at_realm = realm.requests();
    assert_eq!(at_realm.len(), 1, "{at_realm:?}");
    assert!(at_realm[0].target.starts_with("/token?"));
    assert!(
        at_realm[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic ")),
        "{at_realm:?}"
    );
    // The registry sees the token only, never the basic credentials.
    let at_registry = registry.requests();
    assert!(
        at_registry.iter().all(|r| r
            .authorization
            .as_deref()
            .is_none_or(|a| a == "Bearer tok-from-realm")),
        "{at_registry:?}"
    );
}

#[test]
fn a_plain_http_realm_off_loopback_never_gets_the_credentials() {
    // Even with `insecure`, credentials do not cross plain HTTP to a host that is not
    // loopback. The check comes before any connection, so the host need not exist.
    let fake = Fake::start();
    serve(&fake, &image(), "v1");
    {
        let mut s = fake.state();
        s.token = Some("tok".into());
        s.realm = Some("http://auth.stella-test.invalid/token".into());
    }
    let options = RegistryOptions {
        insecure: true,
        ..creds_for(&fake.host(), "ci", "pw")
    };
    let err = pull_with(&fake, ":v1", options).unwrap_err();
    assert!(
        matches!(&err, RegistryError::InsecureCredentials { url } if url.starts_with("http://auth.stella-test.invalid/")),
        "{err}"
    );
    // And a realm with userinfo is refused without echoing it.
    fake.state().realm = Some(format!("http://ci:s3cret@127.0.0.1:{}/token", fake.port));
    let err = pull_with(&fake, ":v1", RegistryOptions::default()).unwrap_err();
    assert!(matches!(err, RegistryError::UrlCredentials { .. }), "{err}");
    assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
    // Also when the URL does not parse (a space in the password): refused, unechoed.
    for scheme in ["http", "https"] {
        fake.state().realm = Some(format!(
            "{scheme}://ci:s3 cret@127.0.0.1:{}/token",
            fake.port
        ));
        let err = pull_with(&fake, ":v1", RegistryOptions::default()).unwrap_err();
        assert!(matches!(err, RegistryError::UrlCredentials { .. }), "{err}");
        assert!(!format!("{err} {err:?}").contains("s3"), "{err}");
    }
}

#[test]
fn blob_storage_asking_for_credentials_gets_none() {
    // The registry (basic auth) redirects blobs to storage on another origin, which answers
    // 401 with a Bearer challenge naming its own realm: neither the registry's credentials nor
    // a token obtained with them may go there.
    let registry = basic_fake();
    let storage = Fake::start();
    storage.state().storage_challenge = true;
    registry.state().redirect_blobs_to = Some(format!("http://localhost:{}", storage.port));
    let built = image();
    let pulled = pull_with(&registry, ":v1", creds_for(&registry.host(), "ci", "pw")).unwrap();
    let err = pulled.blob(&built.images[0].config.digest).unwrap_err();
    assert!(
        matches!(
            registry_error(&err),
            Some(RegistryError::ForeignChallenge { url, .. }) if url.contains(&format!("localhost:{}", storage.port))
        ),
        "{err}"
    );
    let at_storage = storage.requests();
    assert!(!at_storage.is_empty());
    assert!(
        at_storage.iter().all(|r| r.authorization.is_none()),
        "credentials leaked to blob storage: {at_storage:?}"
    );
    assert!(
        at_storage.iter().all(|r| !r.target.starts_with("/token")),
        "{at_storage:?}"
    );
    // Storage that does not ask: followed, and it sees no Authorization (basic this time).
    storage.state().storage_challenge = false;
    storage.state().blobs = built.blobs.clone();
    let pulled = pull_with(&registry, ":v1", creds_for(&registry.host(), "ci", "pw")).unwrap();
    assert_eq!(sbom(&pulled, None).unwrap(), layout_sbom(&built, None));
    assert!(authorized(&storage).is_empty(), "{:?}", storage.requests());
    // A redirect whose Location carries userinfo is refused, unechoed.
    registry.state().redirect_blobs_to =
        Some(format!("http://ci:s3cret@localhost:{}", storage.port));
    let before = storage.requests().len();
    let pulled = pull_with(&registry, ":v1", creds_for(&registry.host(), "ci", "pw")).unwrap();
    let err = pulled.blob(&built.images[0].config.digest).unwrap_err();
    assert!(
        matches!(
            registry_error(&err),
            Some(RegistryError::UrlCredentials { .. })
        ),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
    assert_eq!(storage.requests().len(), before);
}

#[test]
fn debug_output_and_errors_hold_no_secret() {
    let fake = basic_fake();
    let pulled = pull_with(&fake, ":v1", creds_for(&fake.host(), "ci", "s3cret-pw")).unwrap_err();
    assert!(!format!("{pulled} {pulled:?}").contains("s3cret"));
    fake.state().basic = Some(("ci".into(), "s3cret-pw".into()));
    let pulled = pull_with(&fake, ":v1", creds_for(&fake.host(), "ci", "s3cret-pw")).unwrap();
    let text = format!("{pulled:?}");
    // Neither the password nor the Authorization header (base64 of `ci:s3cret-pw`).
    assert!(!text.contains("s3cret"), "{text}");
    assert!(!text.contains("Y2k6czNjcmV0LXB3"), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
}

#[test]
fn docker_config_identity_token_uses_the_refresh_grant() {
    let fake = Fake::start();
    serve(&fake, &image(), "v1");
    {
        let mut s = fake.state();
        s.token = Some("access-1".into());
        s.refresh_token = Some("refresh-xyz".into());
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"http://{}/v2/":{{"auth":"","identitytoken":"refresh-xyz"}}}}}}"#,
            fake.host()
        ),
    )
    .unwrap();
    let options = RegistryOptions {
        credentials: vec![Arc::new(DockerConfig::from_files([&config]))],
        ..RegistryOptions::default()
    };
    let pulled = pull_with(&fake, ":v1", options).unwrap();
    sbom(&pulled, None).unwrap();
    let token_requests: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.target.starts_with("/token"))
        .collect();
    assert_eq!(token_requests.len(), 1, "{token_requests:?}");
    assert_eq!(token_requests[0].method, "POST");
    assert_eq!(token_requests[0].target, "/token", "no secret in the URL");
    assert!(token_requests[0].body.contains("refresh_token=refresh-xyz"));
    assert!(token_requests[0].body.contains("grant_type=refresh_token"));
}

/// Writes an executable script.
fn script(dir: &std::path::Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn credential_helpers_are_bounded_and_their_failures_typed() {
    use stella::image::registry::{CredentialProvider, HelperProblem};
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    script(&bin, "docker-credential-slow", "exec sleep 20");
    script(&bin, "docker-credential-chatty", "exec yes");
    script(&bin, "docker-credential-garbled", "echo 'not json s3cret'");
    script(
        &bin,
        "docker-credential-broken",
        "echo 'keychain locked'; exit 3",
    );
    // A helper that prints its answer and then fails: the secret must not reach the error.
    script(
        &bin,
        "docker-credential-leaky",
        r#"printf '{"Username":"u","Secret":"hunter2"}\nsecret line two\n'; exit 1"#,
    );
    script(
        &bin,
        "docker-credential-multiline",
        "printf 'first line\\nsecond line hunter2\\n'; exit 4",
    );
    script(
        &bin,
        "docker-credential-token",
        r#"printf '{"Username":"<token>","Secret":"refresh-1"}'"#,
    );
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        r#"{"credHelpers":{"slow.example":"slow","chatty.example":"chatty","garbled.example":"garbled","broken.example":"broken","token.example":"token","leaky.example":"leaky","multiline.example":"multiline","missing.example":"stella-missing"}}"#,
    )
    .unwrap();
    let provider = DockerConfig::from_files([&config])
        .with_helper_path(format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        ))
        .with_helper_timeout(std::time::Duration::from_millis(500));
    let problem = |host: &str| match provider.credentials(host) {
        Err(RegistryError::CredentialHelper { problem, .. }) => problem,
        other => panic!("{host}: {other:?}"),
    };
    let started = std::time::Instant::now();
    assert!(matches!(
        problem("slow.example"),
        HelperProblem::Timeout { .. }
    ));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(matches!(
        problem("chatty.example"),
        HelperProblem::OutputTooLarge { .. }
    ));
    let garbled = problem("garbled.example");
    assert!(
        matches!(garbled, HelperProblem::BadOutput { .. }),
        "{garbled}"
    );
    assert!(!garbled.to_string().contains("s3cret"));
    assert!(matches!(
        problem("broken.example"),
        HelperProblem::Failed { code: Some(3), ref message } if message == "keychain locked"
    ));
    let leaky = problem("leaky.example");
    assert!(
        matches!(leaky, HelperProblem::Failed { code: Some(1), ref message } if message == stella::image::registry::HELPER_OUTPUT_WITHHELD),
        "{leaky:?}"
    );
    assert!(!leaky.to_string().contains("hunter2"), "{leaky}");
    assert!(matches!(
        problem("multiline.example"),
        HelperProblem::Failed { code: Some(4), ref message } if message == "first line"
    ));
    assert!(matches!(
        problem("missing.example"),
        HelperProblem::NotFound
    ));
    let token = provider.credentials("token.example").unwrap().unwrap();
    assert_eq!(token.identity_token.as_deref(), Some("refresh-1"));
    // A host no helper is named for: anonymous, no helper run.
    assert!(provider.credentials("other.example").unwrap().is_none());
}

// The CLI: `STELLA_REGISTRY_*`, config files and helpers, with a private HOME so the machine's
// own credentials play no part.

struct CliEnv {
    dir: tempfile::TempDir,
}

impl CliEnv {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home/.docker")).unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        Self { dir }
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    fn sbom(&self, image: &str, env: &[(&str, String)]) -> std::process::Output {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::cargo_bin("stella").unwrap();
        cmd.args(["sbom", image])
            .env("HOME", self.path("home"))
            .env("PATH", path);
        for var in [
            "DOCKER_CONFIG",
            "REGISTRY_AUTH_FILE",
            "XDG_RUNTIME_DIR",
            "XDG_CONFIG_HOME",
            "STELLA_REGISTRY_HOST",
            "STELLA_REGISTRY_USERNAME",
            "STELLA_REGISTRY_PASSWORD",
            "STELLA_REGISTRY_INSECURE",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn image_arg(fake: &Fake) -> String {
    format!("registry:{}/{REPO}:v1", fake.host())
}

fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("pkg:pypi/requests@2.19.1"));
}

fn assert_refused(out: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

fn env_creds(host: &str) -> Vec<(&'static str, String)> {
    vec![
        ("STELLA_REGISTRY_HOST", host.to_owned()),
        ("STELLA_REGISTRY_USERNAME", "ci".to_owned()),
        ("STELLA_REGISTRY_PASSWORD", "pw".to_owned()),
    ]
}

#[test]
fn cli_env_credentials_go_to_their_host_only() {
    let cli = CliEnv::new();
    let a = basic_fake();
    let b = basic_fake();
    // Credentials for A, image on B: B gets nothing.
    let out = cli.sbom(&image_arg(&b), &env_creds(&a.host()));
    assert_refused(&out, "unauthorized");
    assert!(authorized(&b).is_empty(), "{:?}", b.requests());
    // Without STELLA_REGISTRY_HOST the variables are an error, and nothing is sent.
    let mut unscoped = env_creds(&a.host());
    unscoped.remove(0);
    let out = cli.sbom(&image_arg(&b), &unscoped);
    assert_refused(&out, "STELLA_REGISTRY_HOST");
    assert!(authorized(&b).is_empty(), "{:?}", b.requests());
    // For the right host: pulled.
    assert_ok(&cli.sbom(&image_arg(&a), &env_creds(&a.host())));
}

#[test]
fn cli_plain_http_realm_off_loopback_gets_no_credentials() {
    // A token realm on plain HTTP off loopback, even with STELLA_REGISTRY_INSECURE=1.
    let cli = CliEnv::new();
    let c = Fake::start();
    serve(&c, &image(), "v1");
    {
        let mut s = c.state();
        s.token = Some("tok".into());
        s.realm = Some("http://auth.stella-test.invalid/token".into());
    }
    let mut insecure = env_creds(&c.host());
    insecure.push(("STELLA_REGISTRY_INSECURE", "1".into()));
    let out = cli.sbom(&image_arg(&c), &insecure);
    assert_refused(
        &out,
        "refusing to send registry credentials over plain HTTP",
    );
}

#[test]
fn cli_blob_storage_asking_for_credentials_gets_none() {
    // Blob storage a redirect leads to asks for credentials (a Bearer realm of its own): it
    // gets neither the basic credentials nor a token request with them.
    let cli = CliEnv::new();
    let d = basic_fake();
    let storage = Fake::start();
    storage.state().storage_challenge = true;
    d.state().redirect_blobs_to = Some(format!("http://localhost:{}", storage.port));
    let out = cli.sbom(&image_arg(&d), &env_creds(&d.host()));
    assert_refused(&out, "is not the registry");
    assert!(!storage.requests().is_empty());
    assert!(authorized(&storage).is_empty(), "{:?}", storage.requests());
}

#[test]
fn cli_reads_docker_config_and_containers_auth_files() {
    use base64::Engine as _;
    let cli = CliEnv::new();
    let a = basic_fake();
    let b = basic_fake();
    let auth =
        |u: &str, p: &str| base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
    // ~/.docker/config.json, key with scheme and path: A's credentials, for A only.
    std::fs::write(
        cli.path("home/.docker/config.json"),
        format!(
            r#"{{"auths":{{"http://{}/v2/":{{"auth":"{}"}}}}}}"#,
            a.host(),
            auth("ci", "pw")
        ),
    )
    .unwrap();
    assert_ok(&cli.sbom(&image_arg(&a), &[]));
    let out = cli.sbom(&image_arg(&b), &[]);
    assert_refused(&out, "unauthorized");
    assert!(authorized(&b).is_empty(), "{:?}", b.requests());
    // DOCKER_CONFIG replaces ~/.docker; REGISTRY_AUTH_FILE comes before it.
    std::fs::create_dir_all(cli.path("dc")).unwrap();
    std::fs::write(
        cli.path("dc/config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            b.host(),
            auth("ci", "wrong")
        ),
    )
    .unwrap();
    let docker_config = ("DOCKER_CONFIG", cli.path("dc").display().to_string());
    assert_refused(
        &cli.sbom(&image_arg(&b), std::slice::from_ref(&docker_config)),
        "unauthorized",
    );
    std::fs::write(
        cli.path("auth.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            b.host(),
            auth("ci", "pw")
        ),
    )
    .unwrap();
    let auth_file = (
        "REGISTRY_AUTH_FILE",
        cli.path("auth.json").display().to_string(),
    );
    assert_ok(&cli.sbom(&image_arg(&b), &[docker_config, auth_file]));
}

#[test]
fn cli_runs_credential_helpers_for_their_host_only() {
    let cli = CliEnv::new();
    let a = basic_fake();
    let b = basic_fake();
    let log = cli.path("helper.log");
    script(
        &cli.path("bin"),
        "docker-credential-stellatest",
        &format!(
            r#"read -r url
echo "$1 $url" >> '{}'
if [ "$url" = '{}' ]; then
  printf '{{"ServerURL":"%s","Username":"ci","Secret":"pw"}}' "$url"
else
  echo 'credentials not found in native keychain'; exit 1
fi"#,
            log.display(),
            a.host()
        ),
    );
    // credHelpers for A.
    let config = cli.path("home/.docker/config.json");
    std::fs::write(
        &config,
        format!(r#"{{"credHelpers":{{"{}":"stellatest"}}}}"#, a.host()),
    )
    .unwrap();
    assert_ok(&cli.sbom(&image_arg(&a), &[]));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("get {}\n", a.host())
    );
    // B has no credHelpers entry and no credsStore: anonymous, the helper is not run.
    assert_refused(&cli.sbom(&image_arg(&b), &[]), "unauthorized");
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    // credsStore for every host: the helper is asked for B, has nothing, B gets nothing.
    std::fs::write(&config, r#"{"credsStore":"stellatest"}"#).unwrap();
    assert_refused(&cli.sbom(&image_arg(&b), &[]), "unauthorized");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains(&format!("get {}", b.host()))
    );
    assert!(authorized(&b).is_empty(), "{:?}", b.requests());
    assert_ok(&cli.sbom(&image_arg(&a), &[]));
    // A helper that is not installed is an error, not an anonymous pull.
    std::fs::write(
        &config,
        format!(r#"{{"credHelpers":{{"{}":"stella-missing"}}}}"#, a.host()),
    )
    .unwrap();
    let out = cli.sbom(&image_arg(&a), &[]);
    assert_refused(&out, "docker-credential-stella-missing");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found on PATH"));
}

#[test]
fn cli_help_documents_the_credential_lookup() {
    let out = Command::cargo_bin("stella")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "STELLA_REGISTRY_HOST",
        "REGISTRY_AUTH_FILE",
        "DOCKER_CONFIG",
        "credHelpers",
        "docker-credential-",
    ] {
        assert!(
            help.contains(needle),
            "{needle} missing from --help:\n{help}"
        );
    }
}
