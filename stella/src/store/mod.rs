//! Std adapters for persistence: the filesystem [`FsBlobStore`], the hash-chained
//! [`AuditLog`], the file-backed Merkle transparency log [`FileLog`], and the [`SystemClock`].

mod audit;
mod fs;
mod tlog;

pub use audit::{AuditError, AuditLog, AuditRecord};
pub use fs::FsBlobStore;
pub use tlog::{
    DEFAULT_ORIGIN as DEFAULT_LOG_ORIGIN, FileLog, HEAD_FILE, LOCK_FILE, LOG_FILE, STORE_DIR,
    TlogError, TornTail,
};

use stella_core::{Clock, Timestamp};

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
