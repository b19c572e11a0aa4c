//! The audit log: every scan, attestation and decision appended as a record to an append-only,
//! hash-chained file in the store.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use stella_core::{Digest, Timestamp, canonical};

/// One audit record. Records are written as RFC 8785 canonical JSON, one per line; each names
/// the digest of the line before it, so editing, removing or reordering any record breaks the
/// chain from there on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Digest of the previous record's line (without its newline); `None` for the first.
    pub prev: Option<Digest>,
    /// When it happened (from the caller's clock).
    pub time: Timestamp,
    /// Who did it (caller-supplied: a user, a CI job id).
    pub actor: String,
    /// What happened: `sbom`, `attest`, `log`, `scan`, `vex`, `decision`, …
    pub kind: String,
    /// Inputs by name (digests or values), sorted by name.
    pub inputs: BTreeMap<String, String>,
    /// Versions of what ran (scanner, engine, policy revision, …), sorted by name.
    pub versions: BTreeMap<String, String>,
    /// The result: digests of outputs, verdicts.
    pub result: BTreeMap<String, String>,
}

/// What can go wrong opening or appending to the audit log.
///
/// Causes are typed where callers may branch on them: where our code picks the cause from a
/// fixed set, the variant carries a `#[non_exhaustive]` cause enum ([`AuditRecordProblem`]) whose `Display` is
/// the message text; match on the enum, never on the text. Where the text is another
/// library's message passed through, the cause carries that library's error type
/// (`CoreError`, `serde_json::Error`, `io::Error`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Reading or writing the log file failed.
    #[error("audit log {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// The IO error.
        source: io::Error,
    },
    /// A record is not valid canonical JSON of an [`AuditRecord`].
    #[error("audit log record {seq} (byte {offset}) is malformed: {reason}")]
    Malformed {
        /// The record's position.
        seq: u64,
        /// Byte offset of the line.
        offset: u64,
        /// What was wrong.
        reason: AuditRecordProblem,
    },
    /// The hash chain is broken: a record was edited, removed or reordered.
    #[error("audit log chain broken at record {seq}: expected prev {expected:?}, found {found:?}")]
    ChainBroken {
        /// The record whose link does not match.
        seq: u64,
        /// The digest of the previous line.
        expected: Option<Digest>,
        /// What the record says.
        found: Option<Digest>,
    },
    /// The file ends in the middle of a record (a write interrupted by a crash).
    #[error("audit log ends with {bytes} bytes of an incomplete record at byte {offset}")]
    TornTail {
        /// Where the incomplete record starts.
        offset: u64,
        /// How many bytes of it there are.
        bytes: u64,
    },
    /// Another `AuditLog` (in this or another process) has the log open: one writer at a
    /// time, so a second opener can neither interleave records nor cut off, as a "torn tail",
    /// the record the first is writing.
    #[error("audit log {path} is open in another writer")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A record could not be serialized.
    #[error("cannot serialize audit record: {0}")]
    Serialize(#[from] stella_core::CoreError),
}

/// Why an audit log record is malformed ([`AuditError::Malformed`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditRecordProblem {
    /// The line is not canonical JSON of an [`AuditRecord`] (the strict reader's error:
    /// not canonical, a duplicate key, a missing field, …).
    #[error(transparent)]
    Json(stella_core::CoreError),
    /// The record's `seq` is not its position in the log.
    #[error("sequence number {found} out of order")]
    SeqOutOfOrder {
        /// The `seq` the record states.
        found: u64,
    },
}

/// An append-only, hash-chained audit log in `ROOT/audit/audit.log`.
///
/// ```
/// use std::collections::BTreeMap;
/// use stella::store::{AuditLog, AuditRecord};
/// use stella_core::Timestamp;
///
/// let dir = tempfile::tempdir()?;
/// let mut log = AuditLog::open(dir.path())?;
/// let digest = log.append(
///     Timestamp::UNIX_EPOCH,
///     "ci",
///     "scan",
///     BTreeMap::new(),
///     BTreeMap::new(),
///     BTreeMap::new(),
/// )?;
/// assert_eq!(log.head(), Some(digest));
/// // One writer at a time: reopen once the first is closed.
/// assert!(AuditLog::open(dir.path()).is_err());
/// drop(log);
/// assert_eq!(AuditLog::open(dir.path())?.records().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    records: Vec<AuditRecord>,
    head: Option<Digest>,
    len: u64,
    /// The exclusive `flock` on `audit/lock`, held while the log is open (the kernel drops it
    /// when the process dies, so a crash leaves no stale lock).
    _lock: fs::File,
}

impl AuditLog {
    /// Opens (creating if needed) the log under `root`, takes its writer lock (a second open
    /// while this one lives is [`AuditError::Locked`]) and verifies every record and link.
    /// A torn final record is an error ([`AuditError::TornTail`]); see
    /// [`AuditLog::open_recovering`].
    pub fn open(root: &Path) -> Result<Self, AuditError> {
        Self::open_inner(root, false)
    }

    /// Like [`AuditLog::open`], but an incomplete final record — what a crash in the middle of
    /// an append leaves — is cut off. Complete records are never changed: a malformed or
    /// unlinked complete record is still an error.
    pub fn open_recovering(root: &Path) -> Result<Self, AuditError> {
        Self::open_inner(root, true)
    }

    fn open_inner(root: &Path, recover: bool) -> Result<Self, AuditError> {
        let dir = root.join("audit");
        let path = dir.join("audit.log");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| AuditError::Io { path, source }
        };
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let lock_path = dir.join("lock");
        let lock = super::try_lock_exclusive(&lock_path)
            .map_err(io(&lock_path))?
            .ok_or(AuditError::Locked { path: lock_path })?;
        let bytes = match crate::files::read_regular_no_follow(&path, crate::files::MAX_INPUT_BYTES)
        {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(&path)(e)),
        };
        let mut records = Vec::new();
        let mut head = None;
        let mut offset = 0usize;
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                if recover {
                    let file = OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .map_err(io(&path))?;
                    file.set_len(offset as u64).map_err(io(&path))?;
                    file.sync_all().map_err(io(&path))?;
                    break;
                }
                return Err(AuditError::TornTail {
                    offset: offset as u64,
                    bytes: rest.len() as u64,
                });
            };
            let (line, tail) = rest.split_at(nl);
            let seq = records.len() as u64;
            let malformed = |reason: AuditRecordProblem| AuditError::Malformed {
                seq,
                offset: offset as u64,
                reason,
            };
            canonical::ensure_canonical(line)
                .map_err(|e| malformed(AuditRecordProblem::Json(e)))?;
            let record: AuditRecord = canonical::from_slice_strict(line)
                .map_err(|e| malformed(AuditRecordProblem::Json(e)))?;
            if record.seq != seq {
                return Err(malformed(AuditRecordProblem::SeqOutOfOrder {
                    found: record.seq,
                }));
            }
            if record.prev != head {
                return Err(AuditError::ChainBroken {
                    seq,
                    expected: head,
                    found: record.prev,
                });
            }
            head = Some(Digest::of(line));
            records.push(record);
            offset += nl + 1;
            rest = tail.get(1..).unwrap_or_default();
        }
        Ok(Self {
            path,
            records,
            head,
            len: offset as u64,
            _lock: lock,
        })
    }

    /// Appends a record (sequence number and chain link are filled in) and makes it durable.
    /// Returns the digest of the new record's line.
    pub fn append(
        &mut self,
        time: Timestamp,
        actor: &str,
        kind: &str,
        inputs: BTreeMap<String, String>,
        versions: BTreeMap<String, String>,
        result: BTreeMap<String, String>,
    ) -> Result<Digest, AuditError> {
        let record = AuditRecord {
            seq: self.records.len() as u64,
            prev: self.head,
            time,
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            inputs,
            versions,
            result,
        };
        let mut line = canonical::to_canonical_vec(&record)?;
        let digest = Digest::of(&line);
        line.push(b'\n');
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        file.write_all(&line).map_err(io)?;
        file.sync_all().map_err(io)?;
        self.len += line.len() as u64;
        self.head = Some(digest);
        self.records.push(record);
        Ok(digest)
    }

    /// The records, oldest first.
    pub fn records(&self) -> &[AuditRecord] {
        &self.records
    }

    /// Digest of the newest record's line.
    pub fn head(&self) -> Option<Digest> {
        self.head
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(log: &mut AuditLog, kind: &str) -> Digest {
        let mut inputs = BTreeMap::new();
        inputs.insert("image".to_owned(), Digest::of(kind.as_bytes()).to_string());
        log.append(
            Timestamp::UNIX_EPOCH,
            "tester",
            kind,
            inputs,
            BTreeMap::new(),
            BTreeMap::new(),
        )
        .unwrap()
    }

    #[test]
    fn one_writer_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = AuditLog::open(dir.path()).unwrap();
        append(&mut first, "sbom");
        // A second opener (here, or a second `stella run` into the same store) is refused
        // rather than cutting off, as a torn tail, a record the first is writing.
        assert!(matches!(
            AuditLog::open_recovering(dir.path()),
            Err(AuditError::Locked { .. })
        ));
        drop(first);
        assert_eq!(AuditLog::open(dir.path()).unwrap().records().len(), 1);
    }

    #[test]
    fn chain_survives_reopen_and_detects_edits() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path()).unwrap();
        for kind in ["sbom", "attest", "scan", "decision"] {
            append(&mut log, kind);
        }
        let head = log.head();
        drop(log);
        let reopened = AuditLog::open(dir.path()).unwrap();
        assert_eq!(reopened.records().len(), 4);
        assert_eq!(reopened.head(), head);

        let path = reopened.path().to_path_buf();
        drop(reopened);
        let original = fs::read(&path).unwrap();
        // Edit one byte inside the second record's kind.
        let text = String::from_utf8(original.clone()).unwrap();
        let edited = text.replacen("\"attest\"", "\"attesT\"", 1);
        fs::write(&path, edited).unwrap();
        assert!(matches!(
            AuditLog::open(dir.path()),
            Err(AuditError::ChainBroken { seq: 2, .. })
        ));
        // Remove a record.
        let lines: Vec<&str> = text.lines().collect();
        let without = format!("{}\n{}\n{}\n", lines[0], lines[2], lines[3]);
        fs::write(&path, without).unwrap();
        assert!(AuditLog::open(dir.path()).is_err());
        fs::write(&path, &original).unwrap();
        assert!(AuditLog::open(dir.path()).is_ok());
    }

    #[test]
    fn torn_tail_is_reported_then_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path()).unwrap();
        append(&mut log, "sbom");
        append(&mut log, "scan");
        let path = log.path().to_path_buf();
        drop(log);
        let full = fs::read(&path).unwrap();
        // A crash mid-append leaves part of a third record.
        let mut torn = full.clone();
        torn.extend_from_slice(br#"{"actor":"tester","ki"#);
        fs::write(&path, &torn).unwrap();
        assert!(matches!(
            AuditLog::open(dir.path()),
            Err(AuditError::TornTail { .. })
        ));
        let mut recovered = AuditLog::open_recovering(dir.path()).unwrap();
        assert_eq!(recovered.records().len(), 2);
        assert_eq!(fs::read(&path).unwrap(), full);
        append(&mut recovered, "decision");
        drop(recovered);
        assert_eq!(AuditLog::open(dir.path()).unwrap().records().len(), 3);
    }
}
