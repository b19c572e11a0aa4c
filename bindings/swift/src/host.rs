//! Foreign traits: storage and image content the Swift host app supplies. The app implements
//! the protocols `HostBlobStore` and `HostImageSource` (declared here with
//! `#[uniffi::export(with_foreign)]`; uniffi generates the Swift protocols and registers a
//! callback vtable for them) and passes an instance to `sbomFromHostImage`,
//! `scanHostImage`, `entryTraceHostImage` or `runIntoHostStore`.
//!
//! The traits repeat those of `stella_bindings_api::host` with owned arguments, as the FFI
//! passes them; [`ForeignStore`] and [`ForeignImage`] forward to the host. Everything that
//! protects the library from the host — digests computed and checked in Rust, chunk and size
//! bounds, host errors mapped to typed errors, panics caught — is the API's
//! (`HostStore`, `HostImage`), shared with every binding.
//!
//! A Swift error thrown by the host that is not a `HostError` arrives as
//! [`HostError::Failed`] (uniffi's "unexpected callback error"), so no throw or exception
//! crosses the FFI.

use std::sync::Arc;

use stella_bindings_api as api;
use stella_bindings_api::{
    EntryTraceOptions, HostDescriptor, RunOptions, RunResult, SbomOptions, ScanOptions,
};

use crate::StellaResult;

/// What a host's `HostBlobStore` or `HostImageSource` throws when it fails. In Swift:
///
/// ```swift
/// throw HostError.NotFound(message: digest)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HostError {
    /// The host does not hold the blob (the call fails with `StellaError.InvalidArgument`).
    #[error("not found: {message}")]
    NotFound {
        /// The host's message.
        message: String,
    },
    /// The host's storage failed (the call fails with `StellaError.Io`).
    #[error("{message}")]
    Io {
        /// The host's message.
        message: String,
    },
    /// Anything else, including any other error the host throws (`StellaError.Internal`).
    #[error("{message}")]
    Failed {
        /// The host's message.
        message: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HostError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed {
            message: format!("the host threw an unexpected error: {}", e.reason),
        }
    }
}

impl From<HostError> for api::HostError {
    fn from(e: HostError) -> Self {
        match e {
            HostError::NotFound { message } => Self::NotFound { message },
            HostError::Io { message } => Self::Io { message },
            HostError::Failed { message } => Self::Failed { message },
        }
    }
}

/// The root index or manifest of a `HostImageSource`.
#[uniffi::remote(Record)]
pub struct HostDescriptor {
    /// The media type (an OCI or Docker index or manifest).
    pub media_type: String,
    /// The digest, `sha256:<hex>`.
    pub digest: String,
    /// The size in bytes.
    pub size: u64,
}

/// A content-addressed store the host app keeps. Digests are `sha256:<64 lowercase hex>`,
/// computed by the library from the bytes; what `get` returns is verified against them.
#[uniffi::export(with_foreign)]
pub trait HostBlobStore: Send + Sync {
    /// Stores `bytes` under `digest`. Storing a digest already held is a no-op; never
    /// overwrite or delete.
    fn put(&self, digest: String, bytes: Vec<u8>) -> Result<(), HostError>;

    /// The bytes stored under `digest`; throw `HostError.NotFound` when there are none.
    fn get(&self, digest: String) -> Result<Vec<u8>, HostError>;

    /// Whether the store holds `digest`.
    fn contains(&self, digest: String) -> Result<bool, HostError>;
}

/// Image content the host app serves: its root index or manifest, and blobs by digest in
/// chunks. Every blob is verified against its digest by the library. Called from several
/// threads at once (layers are read in parallel): implementations must be thread-safe.
#[uniffi::export(with_foreign)]
pub trait HostImageSource: Send + Sync {
    /// The descriptor of the image's top-level index or manifest.
    fn root(&self) -> Result<HostDescriptor, HostError>;

    /// Up to `length` bytes of the blob `digest` from byte `offset`: fewer only at the end of
    /// the blob, none at or past it. Serve the root's own digest too. Throw
    /// `HostError.NotFound` when there is no such blob.
    fn read_blob(&self, digest: String, offset: u64, length: u64) -> Result<Vec<u8>, HostError>;
}

/// The host's store as the API's [`api::HostBlobStore`].
struct ForeignStore(Arc<dyn HostBlobStore>);

impl api::HostBlobStore for ForeignStore {
    fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), api::HostError> {
        Ok(self.0.put(digest.to_owned(), bytes.to_vec())?)
    }

    fn get(&self, digest: &str) -> Result<Vec<u8>, api::HostError> {
        Ok(self.0.get(digest.to_owned())?)
    }

    fn contains(&self, digest: &str) -> Result<bool, api::HostError> {
        Ok(self.0.contains(digest.to_owned())?)
    }
}

/// The host's image source as the API's [`api::HostImageSource`].
struct ForeignImage(Arc<dyn HostImageSource>);

impl api::HostImageSource for ForeignImage {
    fn root(&self) -> Result<HostDescriptor, api::HostError> {
        Ok(self.0.root()?)
    }

    fn read_blob(&self, digest: &str, offset: u64, length: u64) -> Result<Vec<u8>, api::HostError> {
        Ok(self.0.read_blob(digest.to_owned(), offset, length)?)
    }
}

fn image(source: Arc<dyn HostImageSource>) -> Arc<dyn api::HostImageSource> {
    Arc::new(ForeignImage(source))
}

/// The SBOM of the image the host serves (every blob verified against its digest).
#[uniffi::export]
pub fn sbom_from_host_image(
    source: Arc<dyn HostImageSource>,
    options: SbomOptions,
) -> StellaResult<Vec<u8>> {
    Ok(api::sbom_from_host_image(image(source), &options)?)
}

/// Scans the image the host serves against a DB snapshot: findings JSON or SARIF.
#[uniffi::export]
pub fn scan_host_image(
    source: Arc<dyn HostImageSource>,
    snapshot: Vec<u8>,
    options: ScanOptions,
) -> StellaResult<Vec<u8>> {
    Ok(api::scan_host_image(image(source), &snapshot, &options)?)
}

/// The entry-trace of the image the host serves, canonical JSON.
#[uniffi::export(default(options))]
pub fn entry_trace_host_image(
    source: Arc<dyn HostImageSource>,
    options: EntryTraceOptions,
) -> StellaResult<Vec<u8>> {
    Ok(api::entry_trace_host_image(image(source), &options)?)
}

/// Runs the golden path as `run` does, then stores every artifact into the host's store (named
/// by the digest the library computes) and returns the same result.
#[uniffi::export(default(options))]
pub fn run_into_host_store(
    store: Arc<dyn HostBlobStore>,
    options: RunOptions,
) -> StellaResult<RunResult> {
    Ok(api::run_into_host_store(
        Arc::new(ForeignStore(store)),
        &options,
    )?)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;

    /// A host store written as a Swift app would write one, in Rust.
    #[derive(Default)]
    struct Memory(Mutex<BTreeMap<String, Vec<u8>>>);

    impl HostBlobStore for Memory {
        fn put(&self, digest: String, bytes: Vec<u8>) -> Result<(), HostError> {
            self.0.lock().unwrap().entry(digest).or_insert(bytes);
            Ok(())
        }
        fn get(&self, digest: String) -> Result<Vec<u8>, HostError> {
            let bytes = self.0.lock().unwrap().get(&digest).cloned();
            bytes.ok_or(HostError::NotFound { message: digest })
        }
        fn contains(&self, digest: String) -> Result<bool, HostError> {
            Ok(self.0.lock().unwrap().contains_key(&digest))
        }
    }

    #[test]
    fn a_foreign_store_receives_every_artifact_under_its_digest() {
        let host = Arc::new(Memory::default());
        let result = run_into_host_store(host.clone(), RunOptions::default()).unwrap();
        let blobs = host.0.lock().unwrap();
        for artifact in &result.artifacts {
            assert_eq!(blobs[&artifact.digest], artifact.bytes);
            assert_eq!(crate::digest_of(artifact.bytes.clone()), artifact.digest);
        }
    }

    #[test]
    fn unexpected_host_errors_become_failed_and_map_to_internal() {
        let e = HostError::from(uniffi::UnexpectedUniFFICallbackError::new("NSError 42"));
        assert_eq!(
            e,
            HostError::Failed {
                message: "the host threw an unexpected error: NSError 42".into()
            }
        );
        assert_eq!(
            api::HostError::from(HostError::Io {
                message: "full".into()
            }),
            api::HostError::Io {
                message: "full".into()
            }
        );
        let err = sbom_from_host_image(Arc::new(Failing), SbomOptions::default()).unwrap_err();
        assert_eq!(err.code(), "E_INTERNAL");
        assert!(err.message().contains("NSError 42"), "{err}");
    }

    /// A host image source that throws an unexpected error from every call.
    struct Failing;

    impl HostImageSource for Failing {
        fn root(&self) -> Result<HostDescriptor, HostError> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("NSError 42").into())
        }
        fn read_blob(&self, _: String, _: u64, _: u64) -> Result<Vec<u8>, HostError> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("NSError 42").into())
        }
    }
}
