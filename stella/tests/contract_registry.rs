#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The image source contract suite (`stella_core::testing`) on the registry image source,
//! without and with a blob store behind it: against the in-process fake registry (also serving
//! a config and a layer whose bytes do not match their digest), and against the real registry
//! `tests/registry/test.sh` starts (`#[ignore]`d in a plain `cargo test`; the script runs it
//! with `--ignored` and `STELLA_TEST_REGISTRY=HOST:PORT`, and without it the test fails).

mod fake_registry;

use std::collections::BTreeSet;
use std::sync::Arc;

use fake_registry::Fake;
use stella::image::registry::{RegistryClient, RegistryImage, RegistryOptions, RegistryRef};
use stella::store::FsBlobStore;
use stella_core::testing::{check_image_source, check_image_source_rejects};
use stella_core::{Digest, MemoryBlobStore};
use stella_scan::image::Platform;
use stella_scan::testing::{BuiltImage, TestImage, TestIndex, TestLayer};

fn image() -> BuiltImage {
    TestImage::new()
        .layer(TestLayer::new().file("etc/os-release", b"ID=debian\nVERSION_ID=12\n"))
        .layer(TestLayer::new().file("app/main.py", b"print('contract')\n"))
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
        assert!(!stella_core::BlobStore::contains(memory.as_ref(), &target).unwrap());
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
