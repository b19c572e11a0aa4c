//! Rollback protection for the vulnerability DB (seed §15 "database rollback"): the store
//! remembers the newest snapshot a scan used, and a later scan with an older one is refused.
//!
//! The record is `<store>/db/last-snapshot.json` (`{"date": …, "digest": …}`, canonical JSON,
//! written atomically: a temporary file, fsync, rename), guarded by an exclusive lock
//! (`<store>/db/.lock`) while a scan checks and updates it. [`DbPin::check_and_record`]:
//! - no record yet: the snapshot is recorded (trust on first use);
//! - a newer date: recorded;
//! - the same date and digest: nothing changes;
//! - an **older** date, or the **same date with another digest** (a different snapshot
//!   claiming the same date): refused with [`RollbackError::Rollback`], unless the caller
//!   allows it (`stella scan --allow-rollback`), in which case an audit record of kind
//!   `db-rollback` is appended to the store's audit log (with both dates and digests and the
//!   actor) and the record is left as it was, so the next scan without the flag is refused
//!   again.
//!
//! ```
//! use stella::store::{DbPin, RollbackError};
//! use stella_core::{Digest, Timestamp};
//!
//! let dir = tempfile::tempdir()?;
//! let pin = DbPin::open(dir.path())?;
//! let t = |s| Timestamp::parse_rfc3339(s).unwrap();
//! pin.check_and_record(&t("2024-06-01T00:00:00Z"), Digest::of(b"new"), None)?;
//! let old = pin.check_and_record(&t("2024-05-01T00:00:00Z"), Digest::of(b"old"), None);
//! assert!(matches!(old, Err(RollbackError::Rollback { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use stella_core::{Digest, Timestamp};

use super::{AuditError, AuditLog};

/// The record's file, under the store directory.
pub const DB_PIN_FILE: &str = "db/last-snapshot.json";

/// The newest snapshot a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedSnapshot {
    /// Its date (RFC 3339).
    pub date: Timestamp,
    /// Its digest.
    pub digest: Digest,
}

/// Why a snapshot was refused or the record could not be kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RollbackError {
    /// The snapshot is older than (or dated as, but not the same as) the one recorded.
    #[error(
        "DB rollback refused: snapshot {offered_digest} dated {offered_date} is not newer than \
         {pinned_digest} dated {pinned_date}, which a scan already used (--allow-rollback to \
         use it anyway, audited)"
    )]
    Rollback {
        /// The recorded date.
        pinned_date: String,
        /// The recorded digest.
        pinned_digest: Digest,
        /// The offered snapshot's date.
        offered_date: String,
        /// Its digest.
        offered_digest: Digest,
    },
    /// Another process holds the record's lock.
    #[error("{path} is locked by another scan")]
    Locked {
        /// The lock file.
        path: String,
    },
    /// Reading or writing the record failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The record is not what this module writes (edited, truncated).
    #[error("{path} is not a snapshot record: {message}")]
    Corrupt {
        /// The path.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The audit record of an allowed rollback could not be written (the rollback is then
    /// refused: an unaudited rollback does not happen).
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// What [`DbPin::check_and_record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// No record existed; this snapshot is now recorded.
    First,
    /// The snapshot is newer; it is now recorded.
    Advanced,
    /// The recorded snapshot itself.
    Same,
    /// An older snapshot, allowed and audited; the record is unchanged.
    RollbackAllowed,
}

/// The rollback record of a store directory.
#[derive(Debug)]
pub struct DbPin {
    root: PathBuf,
}

impl DbPin {
    /// Opens (creating `db/`) the record of the store directory `root`.
    pub fn open(root: &Path) -> Result<Self, RollbackError> {
        let dir = root.join("db");
        std::fs::create_dir_all(&dir).map_err(|source| RollbackError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    fn path(&self) -> PathBuf {
        self.root.join(DB_PIN_FILE)
    }

    /// The recorded snapshot, if any.
    pub fn pinned(&self) -> Result<Option<PinnedSnapshot>, RollbackError> {
        let path = self.path();
        let bytes = match crate::files::read_regular_no_follow(&path, 64 << 10) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(RollbackError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        stella_core::canonical::from_slice_strict(&bytes)
            .map(Some)
            .map_err(|e| RollbackError::Corrupt {
                path: path.display().to_string(),
                message: e.to_string(),
            })
    }

    /// Checks a snapshot against the record and records it when newer (see the module docs).
    /// `allow` is `Some((actor, time))` for `--allow-rollback`: an older snapshot is then
    /// accepted and an audit record is appended to the store's audit log at `time`.
    pub fn check_and_record(
        &self,
        date: &Timestamp,
        digest: Digest,
        allow: Option<(&str, Timestamp)>,
    ) -> Result<PinOutcome, RollbackError> {
        let lock_path = self.root.join("db/.lock");
        let _lock = super::try_lock_exclusive(&lock_path)
            .map_err(|source| RollbackError::Io {
                path: lock_path.display().to_string(),
                source,
            })?
            .ok_or_else(|| RollbackError::Locked {
                path: lock_path.display().to_string(),
            })?;
        let offered = PinnedSnapshot {
            date: *date,
            digest,
        };
        let outcome = match self.pinned()? {
            None => PinOutcome::First,
            Some(p) if p == offered => return Ok(PinOutcome::Same),
            Some(p) if date.unix_nanos() > p.date.unix_nanos() => PinOutcome::Advanced,
            Some(p) => {
                let Some((actor, time)) = allow else {
                    return Err(RollbackError::Rollback {
                        pinned_date: p.date.to_rfc3339(),
                        pinned_digest: p.digest,
                        offered_date: date.to_rfc3339(),
                        offered_digest: digest,
                    });
                };
                let mut audit = AuditLog::open_recovering(&self.root)?;
                let inputs = BTreeMap::from([
                    ("pinned_date".to_owned(), p.date.to_rfc3339()),
                    ("pinned_digest".to_owned(), p.digest.to_string()),
                    ("snapshot_date".to_owned(), date.to_rfc3339()),
                    ("snapshot_digest".to_owned(), digest.to_string()),
                ]);
                let versions =
                    BTreeMap::from([("stella".to_owned(), env!("CARGO_PKG_VERSION").to_owned())]);
                let result =
                    BTreeMap::from([("decision".to_owned(), "rollback allowed".to_owned())]);
                audit.append(time, actor, "db-rollback", inputs, versions, result)?;
                return Ok(PinOutcome::RollbackAllowed);
            }
        };
        self.write(&offered)?;
        Ok(outcome)
    }

    fn write(&self, pinned: &PinnedSnapshot) -> Result<(), RollbackError> {
        let path = self.path();
        let io = |source| RollbackError::Io {
            path: path.display().to_string(),
            source,
        };
        let bytes = stella_core::canonical::to_canonical_vec(pinned).map_err(|e| {
            RollbackError::Corrupt {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        let tmp = path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }
}
