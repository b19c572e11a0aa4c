//! Std adapters for persistence: the filesystem [`FsBlobStore`], the hash-chained
//! [`AuditLog`], the file-backed Merkle transparency log [`FileLog`], the three opened together
//! as one store directory ([`Store`]), and the [`SystemClock`].

mod audit;
mod db_pin;
mod fs;
mod tlog;

pub use audit::{AuditError, AuditLog, AuditRecord, AuditRecordProblem};
pub use db_pin::{DB_PIN_FILE, DbPin, PinOutcome, PinnedSnapshot, RollbackError};
pub use fs::FsBlobStore;
pub use tlog::{
    DEFAULT_ORIGIN as DEFAULT_LOG_ORIGIN, FileLog, HEAD_FILE, LOCK_FILE, LOG_FILE, STORE_DIR,
    TlogError, TornTail,
};

use std::path::Path;
use std::sync::Arc;

use stella_core::{Clock, CoreError, Signer, Timestamp};

/// A store directory opened for runs of the pipeline: every artifact by digest
/// (`blobs/sha256/<hex>`), the transparency log of the run's envelopes (`tlog/`), and the
/// hash-chained audit log (`audit/audit.log`) — what `stella run --store` and the bindings'
/// `run` with a store directory write.
///
/// ```
/// use std::sync::Arc;
/// use stella::store::{DEFAULT_LOG_ORIGIN, Store};
/// use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
/// use stella_core::SignatureAlgorithm;
///
/// let dir = std::env::temp_dir().join(format!("stella-store-doc-{}", std::process::id()));
/// let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())?;
/// let signer = Arc::new(LocalSigner::new(key, SystemRandom::new())?);
/// let store = Store::open(&dir, DEFAULT_LOG_ORIGIN, signer)?;
/// assert_eq!(store.audit.records().len(), 0);
/// # drop(store);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Store {
    /// The write-once, content-addressed artifacts.
    pub blobs: FsBlobStore,
    /// The transparency log, signed by the run's key (a store keeps one key and one origin).
    pub log: FileLog,
    /// The audit log (the pipeline's audit sink).
    pub audit: AuditLog,
}

/// Why a store directory could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The blob store.
    #[error(transparent)]
    Blobs(#[from] CoreError),
    /// The transparency log.
    #[error(transparent)]
    Log(#[from] TlogError),
    /// The audit log.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl Store {
    /// Opens (creating) the store directory `dir`: its blob store, its audit log (an
    /// incomplete final record, a crash's leftover, is cut off) and its transparency log with
    /// `origin`, signed by `signer` (fixed when the log is created). The two logs each hold
    /// their lock while the store is open.
    pub fn open(dir: &Path, origin: &str, signer: Arc<dyn Signer>) -> Result<Self, StoreError> {
        let blobs = FsBlobStore::open(dir)?;
        let audit = AuditLog::open_recovering(dir)?;
        let log = FileLog::open_in_store(dir, origin, signer)?;
        Ok(Self { blobs, log, audit })
    }
}

/// Opens (creating) `path` and takes an exclusive advisory lock (`flock`) on it without
/// waiting: `Ok(None)` when another holder has it. The kernel drops the lock when the holder
/// dies, so a crash leaves no stale lock. The audit log and the file-backed log hold one each
/// for as long as they are open (one writer at a time).
pub(crate) fn try_lock_exclusive(path: &std::path::Path) -> std::io::Result<Option<std::fs::File>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(Some(file)),
        Err(fs4::TryLockError::WouldBlock) => Ok(None),
        Err(fs4::TryLockError::Error(e)) => Err(e),
    }
}

/// The system's wall clock, for live runs. Replays and `--deterministic` runs use
/// [`stella_core::FixedClock`] instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
        // A clock before 1970 or past year 9999 reads as the epoch rather than panicking.
        Timestamp::from_unix_nanos(nanos).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}
