#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The contract suite (`stella_core::testing`) on the in-memory implementations of this crate.
//! `MemoryImageSource` runs it in `stella/tests/contract_image.rs`, on the same images as the
//! other image sources.

use stella_core::testing::check_blob_store;
use stella_core::{BlobStore, CoreError, Digest, MemoryBlobStore};

#[test]
fn memory_blob_store_keeps_the_blob_store_contract() {
    let store = MemoryBlobStore::new();
    check_blob_store(&store, &|digest, bytes| store.tamper(digest, bytes));
}

/// A store that returns whatever it holds without checking it against the digest: the
/// contract must catch it.
#[derive(Debug, Default)]
struct Unverified(MemoryBlobStore, std::sync::Mutex<Option<(Digest, Vec<u8>)>>);

impl BlobStore for Unverified {
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
        self.0.put(bytes)
    }
    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        match &*self.1.lock().unwrap() {
            Some((d, edited)) if d == digest => Ok(edited.clone()),
            _ => self.0.get(digest),
        }
    }
    fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
        self.0.contains(digest)
    }
}

#[test]
#[should_panic(expected = "must be DigestMismatch")]
fn a_store_that_returns_edited_bytes_fails_the_contract() {
    let store = Unverified::default();
    check_blob_store(&store, &|digest, bytes| {
        *store.1.lock().unwrap() = Some((*digest, bytes.to_vec()));
    });
}
