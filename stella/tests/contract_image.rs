#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The image source contract suite (`stella_core::testing`) on every image source: the
//! in-memory source, an OCI layout directory, an OCI archive, a `docker save` archive and the
//! registry source (without and with a blob store behind it), each on a single-platform image
//! and (where the form holds one) a multi-platform index, and each refusing a config and a layer
//! whose bytes were changed under their digest. The registry source runs against the
//! in-process fake registry, and against the real registry `tests/registry/test.sh` starts
//! (`#[ignore]`d in a plain `cargo test`; the script runs it with `--ignored` and
//! `STELLA_TEST_REGISTRY=HOST:PORT`, and without it the test fails).

// The in-process fake registry the CLI's registry tests use too (one copy, in stella-cli).
#[path = "../../stella-cli/tests/fake_registry/mod.rs"]
mod fake_registry;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use fake_registry::Fake;
use stella::image::registry::{RegistryClient, RegistryImage, RegistryOptions, RegistryRef};
use stella::image::testing::{write_docker_archive, write_oci_archive, write_oci_layout};
use stella::image::{DockerArchive, OciLayout, TarFiles};
use stella::store::FsBlobStore;
use stella_core::testing::{check_image_source, check_image_source_rejects};
use stella_core::{BlobStore, Digest, ImageSource, MemoryBlobStore};
use stella_scan::image::Platform;
use stella_scan::testing::{BuiltImage, TestImage, TestIndex, TestLayer};

fn image() -> BuiltImage {
    TestImage::new()
        .layer(TestLayer::new().file("etc/os-release", b"ID=debian\nVERSION_ID=12\n"))
        .layer(
            TestLayer::new()
                .uncompressed()
                .file("app/main.py", b"print('contract')\n"),
        )
        .build()
}

fn multi_arch() -> BuiltImage {
    TestIndex::new()
        .image(TestImage::new().layer(TestLayer::new().file("a", b"amd64")))
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/arm64/v8").unwrap())
                .layer(TestLayer::new().file("a", b"arm64")),
        )
        .build()
}

/// The blobs of `built` with the bytes under `digest` changed (its name kept).
fn tampered(built: &BuiltImage, digest: &Digest) -> BTreeMap<Digest, Vec<u8>> {
    let mut blobs = built.blobs.clone();
    let bytes = blobs.get_mut(digest).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    blobs
}

/// The config and the last layer of the first image: what the tamper checks change.
fn targets(built: &BuiltImage) -> [Digest; 2] {
    let first = &built.images[0];
    [first.config.digest, first.layers.last().unwrap().digest]
}

/// The walk reached every blob of the image (plus the root a source synthesizes).
fn assert_covers(seen: &BTreeSet<Digest>, built: &BuiltImage, synthesized_root: Option<Digest>) {
    let mut expected: BTreeSet<Digest> = built.blobs.keys().copied().collect();
    expected.extend(synthesized_root);
    assert_eq!(*seen, expected);
}

#[test]
fn memory_image_source_keeps_the_contract() {
    for built in [image(), multi_arch()] {
        let seen = check_image_source(&built.source);
        assert_covers(&seen, &built, None);
        for target in targets(&built) {
            let mut source = built.source.clone();
            source.tamper(&target, tampered(&built, &target)[&target].clone());
            check_image_source_rejects(&source, &target);
        }
    }
}

fn layout(dir: &Path, built: &BuiltImage, blobs: &BTreeMap<Digest, Vec<u8>>) -> OciLayout {
    write_oci_layout(dir, &built.root, blobs).unwrap();
    OciLayout::open_dir(dir).unwrap()
}

#[test]
fn oci_layout_directory_keeps_the_contract() {
    for built in [image(), multi_arch()] {
        let dir = tempfile::tempdir().unwrap();
        let source = layout(dir.path(), &built, &built.blobs);
        let seen = check_image_source(&source);
        // index.json is the root; for an image whose root is a manifest it is synthesized.
        assert_covers(&seen, &built, Some(source.root().unwrap().digest));
        for target in targets(&built) {
            let dir = tempfile::tempdir().unwrap();
            let source = layout(dir.path(), &built, &tampered(&built, &target));
            check_image_source_rejects(&source, &target);
        }
    }
}

fn oci_archive(path: &Path, built: &BuiltImage, blobs: &BTreeMap<Digest, Vec<u8>>) -> OciLayout {
    write_oci_archive(path, &built.root, blobs).unwrap();
    OciLayout::open_archive(TarFiles::index(path).unwrap()).unwrap()
}

#[test]
fn oci_archive_keeps_the_contract() {
    for built in [image(), multi_arch()] {
        let dir = tempfile::tempdir().unwrap();
        let source = oci_archive(&dir.path().join("image.tar"), &built, &built.blobs);
        let seen = check_image_source(&source);
        assert_covers(&seen, &built, Some(source.root().unwrap().digest));
        for target in targets(&built) {
            let path = dir.path().join(format!("tampered-{}.tar", target.hex()));
            let source = oci_archive(&path, &built, &tampered(&built, &target));
            check_image_source_rejects(&source, &target);
        }
    }
}

#[test]
fn docker_archive_keeps_the_contract() {
    let built = image();
    let first = &built.images[0];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    write_docker_archive(&path, &first.config_bytes, &first.layer_tars, "app:1").unwrap();
    let source = DockerArchive::open(TarFiles::index(&path).unwrap()).unwrap();
    let seen = check_image_source(&source);
    // The manifest is synthesized; the config and the uncompressed layer tars (named by the
    // config's diff_ids) are the archive's.
    let mut expected: BTreeSet<Digest> = first.layer_tars.iter().map(|t| Digest::of(t)).collect();
    expected.insert(first.config.digest);
    expected.insert(source.root().unwrap().digest);
    assert_eq!(seen, expected);

    // A layer tar whose bytes no longer match its diff_id.
    let mut tars = first.layer_tars.clone();
    let target = Digest::of(tars.last().unwrap());
    let last = tars.last_mut().unwrap();
    let end = last.len() - 1;
    last[end] ^= 1;
    let path = dir.path().join("tampered.tar");
    write_docker_archive(&path, &first.config_bytes, &tars, "app:1").unwrap();
    let source = DockerArchive::open(TarFiles::index(&path).unwrap()).unwrap();
    check_image_source_rejects(&source, &target);
}

/// Pushes `built` to `host` under `repository:tag` with our push code; returns the reference.
fn push(host: &str, repository: &str, tag: &str, built: &BuiltImage) -> RegistryRef {
    let reference = RegistryRef::parse(&format!("{host}/{repository}:{tag}")).unwrap();
    let client = RegistryClient::new(&reference, RegistryOptions::default()).unwrap();
    let pushed = client.push_image(repository, tag, &built.source).unwrap();
    assert_eq!(pushed, built.root.digest);
    reference
}

fn pull(reference: &RegistryRef) -> RegistryImage {
    RegistryClient::new(reference, RegistryOptions::default())
        .unwrap()
        .pull(reference)
        .unwrap()
}

/// The contract on the pulled image: streaming, cached in memory, cached on disk.
fn check_pulled(reference: &RegistryRef, built: &BuiltImage) {
    let expected: BTreeSet<Digest> = built.blobs.keys().copied().collect();
    assert_eq!(check_image_source(&pull(reference)), expected);
    let memory = Arc::new(MemoryBlobStore::new());
    let cached = pull(reference).with_store(memory.clone());
    assert_eq!(check_image_source(&cached), expected);
    // A second pass serves from the store.
    assert_eq!(check_image_source(&cached), expected);
    let dir = tempfile::tempdir().unwrap();
    let disk = Arc::new(FsBlobStore::open(dir.path()).unwrap());
    assert_eq!(
        check_image_source(&pull(reference).with_store(disk)),
        expected
    );
}

#[test]
fn registry_image_source_keeps_the_contract_on_the_fake_registry() {
    let fake = Fake::start();
    for (tag, built) in [("single", image()), ("multi", multi_arch())] {
        let reference = push(&fake.host(), "team/contract", tag, &built);
        check_pulled(&reference, &built);
    }
}

#[test]
fn registry_image_source_refuses_a_config_and_a_layer_served_with_other_bytes() {
    let fake = Fake::start();
    let built = image();
    let reference = push(&fake.host(), "team/contract", "v1", &built);
    let first = &built.images[0];
    for target in [first.config.digest, first.layers[1].digest] {
        {
            let mut state = fake.state();
            let bytes = state.blobs.get_mut(&target).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
        }
        check_image_source_rejects(&pull(&reference), &target);
        let memory = Arc::new(MemoryBlobStore::new());
        check_image_source_rejects(&pull(&reference).with_store(memory.clone()), &target);
        assert!(!memory.contains(&target).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let disk = Arc::new(FsBlobStore::open(dir.path()).unwrap());
        check_image_source_rejects(&pull(&reference).with_store(disk), &target);
        fake.state()
            .blobs
            .insert(target, built.blobs[&target].clone());
    }
}

#[test]
#[ignore = "needs a real registry: tests/registry/test.sh starts one and runs this"]
#[allow(non_snake_case)]
fn registry_image_source_keeps_the_contract_on_a_real_registry__needs_STELLA_TEST_REGISTRY() {
    let host = match std::env::var("STELLA_TEST_REGISTRY") {
        Ok(h) if !h.is_empty() => h,
        _ => panic!("STELLA_TEST_REGISTRY is not set: run tests/registry/test.sh"),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let repository = format!("stella-test/contract-{}", nanos % 1_000_000_000);
    for (tag, built) in [("single", image()), ("multi", multi_arch())] {
        let reference = push(&host, &repository, tag, &built);
        check_pulled(&reference, &built);
    }
}
