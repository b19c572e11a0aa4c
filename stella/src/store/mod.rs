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
