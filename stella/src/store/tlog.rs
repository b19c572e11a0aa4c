//! [`FileLog`]: the embedded Merkle transparency log persisted as an append-only file.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use sha2::{Digest as _, Sha256};
use stella_attest::keys::PublicKey;
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::merkle::{self, MerkleTree};
use stella_attest::transparency::note::{Checkpoint, NoteSigner, NoteVerifier};
use stella_core::{
    ConsistencyProof, CoreError, InclusionProof, LogReceipt, MerkleHash, SignedCheckpoint, Signer,
    TransparencyLog,
};

/// The first line of the header record's payload; the origin follows on the second line.
const FORMAT_LINE: &str = "stella-tlog v1";
/// Record kinds.
const KIND_HEADER: u8 = b'H';
const KIND_LEAF: u8 = b'L';
const KIND_CHECKPOINT: u8 = b'C';
/// Bytes before the payload: kind (1) and big-endian payload length (4).
const FRAME_HEAD: usize = 5;
/// Bytes after the payload: the first 8 bytes of SHA-256(kind ‖ length ‖ payload).
const FRAME_CHECK: usize = 8;
/// The largest header payload (format line and origin).
const MAX_HEADER_PAYLOAD: usize = 4096;
/// The largest checkpoint payload (a signed note).
const MAX_CHECKPOINT_PAYLOAD: usize = stella_attest::transparency::note::MAX_NOTE_BYTES;

/// The log directory under a store root (see [`FileLog::open_in_store`]).
pub const STORE_DIR: &str = "tlog";

/// The origin line of a store's own log unless the caller names another (`stella run
/// --log-origin`): a C2SP checkpoint origin, so a schema-less name without spaces or `+`.
pub const DEFAULT_ORIGIN: &str = "stella.local/log";
/// The log file under the log directory.
pub const LOG_FILE: &str = "log";
/// The latest signed checkpoint, replaced atomically after each durable append.
pub const HEAD_FILE: &str = "checkpoint";
/// The lock file held (exclusive `flock`) by the one writer.
pub const LOCK_FILE: &str = "lock";

/// What can go wrong opening or appending to a [`FileLog`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlogError {
    /// Reading, writing or syncing a file failed.
    #[error("transparency log {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The IO error.
        source: io::Error,
    },
    /// Another `FileLog` (in this or another process) holds the log's lock.
    #[error("transparency log {path} is locked by another writer")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The file does not start with a valid header record.
    #[error("transparency log {path}: bad header: {reason}")]
    BadHeader {
        /// The log file.
        path: PathBuf,
        /// What was wrong.
        reason: &'static str,
    },
    /// The log was created for a different origin than the one it is opened with.
    #[error("transparency log origin is {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The origin the caller gave.
        expected: String,
        /// The origin in the file (truncated).
        found: String,
    },
    /// A complete record is malformed: unknown kind, oversized, bad checksum, or out of place.
    #[error("transparency log record at byte {offset}: {reason}")]
    Corrupt {
        /// Byte offset of the record.
        offset: u64,
        /// What was wrong.
        reason: &'static str,
    },
    /// A checkpoint record does not verify, or does not commit to the leaves before it.
    #[error("transparency log checkpoint at byte {offset}: {source}")]
    Checkpoint {
        /// Byte offset of the record (0 for the head file).
        offset: u64,
        /// Why it failed.
        source: TransparencyError,
    },
    /// The log holds fewer committed leaves than the head checkpoint (the file was truncated or
    /// its tail edited).
    #[error(
        "transparency log has {log_size} committed entries, its head checkpoint commits to {head_size}"
    )]
    Truncated {
        /// The size the head checkpoint commits to.
        head_size: u64,
        /// The size the log file proves.
        log_size: u64,
    },
    /// The head checkpoint file of a non-empty log is missing.
    #[error("transparency log head checkpoint {path} is missing")]
    HeadMissing {
        /// The head file.
        path: PathBuf,
    },
    /// Signing a checkpoint failed.
    #[error("signing a checkpoint: {0}")]
    Sign(TransparencyError),
    /// A previous append failed half-way; the log must be reopened.
    #[error("a previous append failed; reopen the transparency log")]
    Poisoned,
}

impl From<TlogError> for CoreError {
    fn from(e: TlogError) -> Self {
        CoreError::Backend {
            backend: "file-log",
            source: Box::new(e),
        }
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> TlogError + '_ {
    move |source| TlogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The unacknowledged bytes a crash left at the end of the log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// Where the committed part of the file ends.
    pub offset: u64,
    /// How many bytes follow it.
    pub bytes: u64,
}

struct State {
    file: File,
    tree: MerkleTree,
    /// Length of the committed part of the file (up to the end of the last checkpoint record).
    committed_len: u64,
    /// Bytes after `committed_len` (a torn tail), cut off by the next append.
    torn: Option<TornTail>,
    checkpoint: SignedCheckpoint,
    poisoned: bool,
}

/// An append-only RFC 9162 Merkle log in a directory, with C2SP signed-note checkpoints — the
/// persisted form of [`stella_attest::transparency::MemoryLog`], giving the same receipts,
/// proofs and checkpoints.
///
/// ## Files (`DIR` is usually `STORE/tlog`)
/// - `DIR/log`: framed records, never rewritten. Each record is `kind` (1 byte: `H` header,
///   `L` leaf, `C` checkpoint), a big-endian `u32` payload length, the payload, and the first
///   8 bytes of SHA-256 over kind, length and payload. The header holds the format line and the
///   origin; a leaf holds an RFC 9162 leaf hash (the entry bytes themselves belong in a
///   `BlobStore`); a checkpoint holds the signed note committing to every leaf before it.
/// - `DIR/checkpoint`: the latest signed checkpoint, replaced atomically (temp file, fsync,
///   rename) after each append is durable.
/// - `DIR/lock`: held with an exclusive `flock` while a `FileLog` is open.
///
/// ## Durability and crash recovery
/// [`TransparencyLog::append`] writes the leaf record and the new checkpoint record with one
/// write and `fdatasync`s the file before it returns, so an acknowledged entry is on disk. The
/// **checkpoint record is the commit marker**: leaves count only once a valid checkpoint after
/// them commits to them. On open, whatever follows the last valid checkpoint — leaf records not
/// yet committed, or an incomplete record (its declared length runs past the end of the file,
/// or the rest of the file is zero bytes) — is a [`TornTail`] left by a crash mid-append: it is
/// never read as a leaf, [`FileLog::torn_tail`] reports it, and the next append cuts it off
/// before writing. No acknowledged entry can be in it, since an append returns only after its
/// checkpoint is durable. The head file is replaced after that: if replacing it fails, `append`
/// returns the error although the entry is already durable in the log (a reopen shows it).
///
/// ## Tamper evidence on open
/// Every record's checksum is checked; every checkpoint's signature is verified with the log's
/// key, its origin checked, and its size and root compared with the tree rebuilt from the leaf
/// records before it; a complete but malformed record anywhere is [`TlogError::Corrupt`]. The
/// head file must verify too (and exist once the log has entries), and the log must prove at
/// least the head's size with the same root, so cutting whole records off the end is
/// [`TlogError::Truncated`]. (Someone who can
/// rewrite both files and holds no older checkpoint can roll the log back undetected — keep
/// receipts or checkpoints elsewhere and check consistency against them.)
///
/// ## Concurrency
/// One writer per directory: open takes an exclusive advisory lock on `DIR/lock` (released by
/// the kernel when the process dies, so a kill leaves no stale lock) and a second open, in this
/// or another process, fails with [`TlogError::Locked`]. Within a process one `FileLog` is
/// shared by reference (`&self` methods, internally synchronized).
///
/// Opening reads and verifies the whole file: O(n) hashing plus one signature verification per
/// entry.
///
/// ```
/// use std::sync::Arc;
/// use stella::store::FileLog;
/// use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
/// use stella_attest::transparency::merkle;
/// use stella_core::{SignatureAlgorithm, TransparencyLog};
///
/// let dir = tempfile::tempdir()?;
/// let rng = SystemRandom::new();
/// let key = Arc::new(LocalSigner::new(PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng)?, rng)?);
/// let receipt = {
///     let log = FileLog::open(dir.path(), "stella.example/log", key.clone())?;
///     log.append(b"first entry")?
/// };
/// // After a restart: same size, same root, same proofs.
/// let log = FileLog::open(dir.path(), "stella.example/log", key)?;
/// assert_eq!(log.size()?, 1);
/// let proof = log.inclusion_proof(0, 1)?;
/// assert_eq!(proof, receipt.inclusion_proof);
/// merkle::verify_inclusion(&merkle::leaf_hash(b"first entry"), 0, 1, &proof.hashes, &proof.root_hash)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FileLog {
    dir: PathBuf,
    path: PathBuf,
    origin: String,
    signer: Arc<dyn Signer>,
    verifier: NoteVerifier,
    state: Mutex<State>,
    /// Holds the exclusive lock for as long as the log is open.
    _lock: File,
}

impl fmt::Debug for FileLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLog")
            .field("path", &self.path)
            .field("origin", &self.origin)
            .field("signer", &self.signer.key_id())
            .finish_non_exhaustive()
    }
}

/// One parsed record.
struct Frame<'a> {
    kind: u8,
    payload: &'a [u8],
    end: usize,
}

enum Next<'a> {
    Frame(Frame<'a>),
    /// The rest of the file is an incomplete record (or zero fill): a torn tail.
    Torn,
}

fn frame_check(kind: u8, payload: &[u8]) -> [u8; FRAME_CHECK] {
    let mut h = Sha256::new();
    h.update([kind]);
    h.update((payload.len() as u32).to_be_bytes());
    h.update(payload);
    let digest = h.finalize();
    let mut out = [0u8; FRAME_CHECK];
    out.copy_from_slice(digest.get(..FRAME_CHECK).unwrap_or(&[0u8; FRAME_CHECK]));
    out
}

fn encode_frame(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&frame_check(kind, payload));
}

fn max_payload(kind: u8) -> Option<usize> {
    match kind {
        KIND_HEADER => Some(MAX_HEADER_PAYLOAD),
        KIND_LEAF => Some(32),
        KIND_CHECKPOINT => Some(MAX_CHECKPOINT_PAYLOAD),
        _ => None,
    }
}

/// Reads the record at `offset`.
fn next_frame(bytes: &[u8], offset: usize) -> Result<Next<'_>, TlogError> {
    let rest = bytes.get(offset..).unwrap_or_default();
    let corrupt = |reason| TlogError::Corrupt {
        offset: offset as u64,
        reason,
    };
    if rest.iter().all(|&b| b == 0) {
        return Ok(Next::Torn);
    }
    let Some(&kind) = rest.first() else {
        return Ok(Next::Torn);
    };
    let max = max_payload(kind).ok_or(corrupt("unknown record kind"))?;
    let Some(len_bytes) = rest.get(1..FRAME_HEAD) else {
        return Ok(Next::Torn);
    };
    let mut len = [0u8; 4];
    len.copy_from_slice(len_bytes);
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(corrupt("record length beyond the limit for its kind"));
    }
    let end = FRAME_HEAD + len + FRAME_CHECK;
    let Some(frame) = rest.get(..end) else {
        return Ok(Next::Torn);
    };
    let payload = frame.get(FRAME_HEAD..FRAME_HEAD + len).unwrap_or_default();
    let check = frame.get(FRAME_HEAD + len..).unwrap_or_default();
    if check != frame_check(kind, payload) {
        return Err(corrupt("record checksum does not match"));
    }
    Ok(Next::Frame(Frame {
        kind,
        payload,
        end: offset + end,
    }))
}

fn header_payload(origin: &str) -> Vec<u8> {
    format!("{FORMAT_LINE}\n{origin}\n").into_bytes()
}

fn sync_dir(dir: &Path) -> Result<(), TlogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))
}

/// Writes `bytes` to `dir/name` atomically: temp file, fsync, rename, fsync of the directory.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), TlogError> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let dest = dir.join(name);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &dest)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_at(&dest)(e));
    }
    sync_dir(dir)
}

impl FileLog {
    /// Opens the log in `dir` (creating the directory and an empty log — header plus a signed
    /// checkpoint of size 0 — if there is none), verifies it, and takes the writer lock.
    ///
    /// `origin` is the checkpoint origin line and note key name (no spaces or `+`); `signer`
    /// signs new checkpoints, and its public key verifies the existing ones.
    pub fn open(dir: &Path, origin: &str, signer: Arc<dyn Signer>) -> Result<Self, TlogError> {
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        let spki = signer.public_key_spki_der();
        let public = PublicKey::from_spki_der(&spki).map_err(|_| {
            TlogError::Sign(TransparencyError::UnsupportedKey {
                what: "transparency log",
                reason: "the signer's public key is not a supported SubjectPublicKeyInfo",
            })
        })?;
        let verifier =
            NoteVerifier::new(origin, &spki, Arc::new(public)).map_err(TlogError::Sign)?;
        let note_signer = NoteSigner::new(origin, signer.as_ref()).map_err(TlogError::Sign)?;

        let lock_path = dir.join(LOCK_FILE);
        let lock = super::try_lock_exclusive(&lock_path)
            .map_err(io_at(&lock_path))?
            .ok_or(TlogError::Locked { path: lock_path })?;

        let path = dir.join(LOG_FILE);
        if !path.exists() {
            let mut bytes = Vec::new();
            encode_frame(&mut bytes, KIND_HEADER, &header_payload(origin));
            let empty = Checkpoint::new(origin, 0, merkle::empty_root())
                .sign(&[note_signer])
                .map_err(TlogError::Sign)?;
            encode_frame(&mut bytes, KIND_CHECKPOINT, empty.0.as_bytes());
            write_atomically(dir, LOG_FILE, &bytes)?;
            write_atomically(dir, HEAD_FILE, empty.0.as_bytes())?;
        }

        let bytes = crate::files::read_regular_no_follow(&path, crate::files::MAX_INPUT_BYTES)
            .map_err(io_at(&path))?;
        let parsed = parse_log(&path, &bytes, origin, &verifier)?;
        check_head(dir, &verifier, origin, &parsed)?;

        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_at(&path))?;
        let committed_len = parsed.committed_len as u64;
        let torn = (bytes.len() > parsed.committed_len).then(|| TornTail {
            offset: committed_len,
            bytes: bytes.len() as u64 - committed_len,
        });
        Ok(Self {
            dir: dir.to_path_buf(),
            path,
            origin: origin.to_owned(),
            signer,
            verifier,
            state: Mutex::new(State {
                file,
                tree: parsed.tree,
                committed_len,
                torn,
                checkpoint: parsed.checkpoint,
                poisoned: false,
            }),
            _lock: lock,
        })
    }

    /// Opens (or creates) the log of the store rooted at `store_root`, in `store_root/tlog`
    /// (beside the store's `blobs/` and `audit/`).
    pub fn open_in_store(
        store_root: &Path,
        origin: &str,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, TlogError> {
        Self::open(&store_root.join(STORE_DIR), origin, signer)
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The origin line (and note key name) of the log's checkpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The trusted note key that verifies this log's checkpoints.
    pub fn note_verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// The number of committed entries.
    pub fn size(&self) -> Result<u64, CoreError> {
        Ok(self.lock()?.tree.size())
    }

    /// The unacknowledged bytes a crash left after the last checkpoint, if any (cut off by the
    /// next append).
    pub fn torn_tail(&self) -> Result<Option<TornTail>, CoreError> {
        Ok(self.lock()?.torn)
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, CoreError> {
        self.state.lock().map_err(|_| CoreError::Backend {
            backend: "file-log",
            source: "the log's lock was poisoned by a panic in another thread".into(),
        })
    }

    fn append_locked(&self, state: &mut State, entry: &[u8]) -> Result<LogReceipt, TlogError> {
        if state.poisoned {
            return Err(TlogError::Poisoned);
        }
        let leaf_hash = merkle::leaf_hash(entry);
        let log_index = state.tree.size();
        state.tree.push(leaf_hash);
        let tree_size = log_index + 1;
        let signed = (|| {
            let root_hash = state.tree.root(tree_size)?;
            let hashes = state.tree.inclusion_proof(log_index, tree_size)?;
            let note_signer = NoteSigner::new(&self.origin, self.signer.as_ref())?;
            let checkpoint =
                Checkpoint::new(&self.origin, tree_size, root_hash).sign(&[note_signer])?;
            Ok((root_hash, hashes, checkpoint))
        })();
        let (root_hash, hashes, checkpoint) = match signed {
            Ok(v) => v,
            Err(e) => {
                drop_last_leaf(&mut state.tree);
                return Err(TlogError::Sign(e));
            }
        };

        let mut record = Vec::with_capacity(64 + checkpoint.0.len());
        encode_frame(&mut record, KIND_LEAF, &leaf_hash.0);
        encode_frame(&mut record, KIND_CHECKPOINT, checkpoint.0.as_bytes());

        let path = &self.path;
        if state.torn.is_some() {
            // The documented recovery: cut the unacknowledged tail before writing.
            state
                .file
                .set_len(state.committed_len)
                .map_err(io_at(path))?;
            state.torn = None;
        }
        // From here a failure leaves the file in an unknown state: poison until reopened (the
        // reopen treats a partial record as a torn tail).
        state.poisoned = true;
        let written = state
            .file
            .write_all(&record)
            .and_then(|()| state.file.sync_data());
        if let Err(e) = written {
            drop_last_leaf(&mut state.tree);
            return Err(io_at(path)(e));
        }
        state.poisoned = false;
        state.committed_len += record.len() as u64;
        state.checkpoint = checkpoint.clone();
        write_atomically(&self.dir, HEAD_FILE, checkpoint.0.as_bytes())?;
        Ok(LogReceipt {
            log_index,
            leaf_hash,
            inclusion_proof: InclusionProof {
                log_index,
                tree_size,
                root_hash,
                hashes,
            },
            checkpoint,
        })
    }
}

/// Removes the newest leaf (O(n); only on a failed append).
fn drop_last_leaf(tree: &mut MerkleTree) {
    let keep = tree.size().saturating_sub(1);
    *tree = MerkleTree::from_leaf_hashes((0..keep).filter_map(|i| tree.leaf(i).ok()));
}

struct Parsed {
    tree: MerkleTree,
    committed_len: usize,
    checkpoint: SignedCheckpoint,
}

/// Verifies a signed checkpoint with the log's key and origin.
fn verify_checkpoint(
    note: &[u8],
    verifier: &NoteVerifier,
    origin: &str,
) -> Result<Checkpoint, TransparencyError> {
    let cp = Checkpoint::verify(note, std::slice::from_ref(verifier))?.checkpoint;
    if cp.origin != origin {
        return Err(TransparencyError::CheckpointMismatch {
            field: "origin",
            checkpoint: cp.origin.chars().take(80).collect(),
            against: "log",
            other: origin.to_owned(),
        });
    }
    Ok(cp)
}

fn parse_log(
    path: &Path,
    bytes: &[u8],
    origin: &str,
    verifier: &NoteVerifier,
) -> Result<Parsed, TlogError> {
    let bad_header = |reason| TlogError::BadHeader {
        path: path.to_path_buf(),
        reason,
    };
    let header = match next_frame(bytes, 0) {
        Ok(Next::Frame(f)) if f.kind == KIND_HEADER => f,
        Ok(_) => return Err(bad_header("the file does not start with a header record")),
        Err(_) => return Err(bad_header("the header record is malformed")),
    };
    let text = std::str::from_utf8(header.payload).map_err(|_| bad_header("not UTF-8"))?;
    let mut lines = text.strip_suffix('\n').unwrap_or(text).split('\n');
    if lines.next() != Some(FORMAT_LINE) {
        return Err(bad_header("unknown format line"));
    }
    let found = lines.next().unwrap_or_default();
    if found != origin || lines.next().is_some() {
        return Err(TlogError::OriginMismatch {
            expected: origin.to_owned(),
            found: found.chars().take(80).collect(),
        });
    }

    let mut leaves: Vec<MerkleHash> = Vec::new();
    let mut tree = MerkleTree::new();
    let mut committed = 0usize;
    let mut committed_len = 0usize;
    let mut checkpoint = None;
    let mut offset = header.end;
    while offset < bytes.len() {
        let frame = match next_frame(bytes, offset)? {
            Next::Frame(f) => f,
            Next::Torn => break,
        };
        match frame.kind {
            KIND_LEAF => {
                let mut h = [0u8; 32];
                if frame.payload.len() != 32 {
                    return Err(TlogError::Corrupt {
                        offset: offset as u64,
                        reason: "leaf record is not 32 bytes",
                    });
                }
                h.copy_from_slice(frame.payload);
                leaves.push(MerkleHash(h));
                tree.push(MerkleHash(h));
            }
            KIND_CHECKPOINT => {
                let at = |source| TlogError::Checkpoint {
                    offset: offset as u64,
                    source,
                };
                let cp = verify_checkpoint(frame.payload, verifier, origin).map_err(at)?;
                let size = tree.size();
                let root = if size == 0 {
                    merkle::empty_root()
                } else {
                    tree.root(size).map_err(at)?
                };
                cp.check_matches(size, &root, "log file leaves")
                    .map_err(at)?;
                let text = std::str::from_utf8(frame.payload).map_err(|_| TlogError::Corrupt {
                    offset: offset as u64,
                    reason: "checkpoint is not UTF-8",
                })?;
                checkpoint = Some(SignedCheckpoint(text.to_owned()));
                committed = leaves.len();
                committed_len = frame.end;
            }
            _ => {
                return Err(TlogError::Corrupt {
                    offset: offset as u64,
                    reason: "a second header record",
                });
            }
        }
        offset = frame.end;
    }
    let Some(checkpoint) = checkpoint else {
        return Err(bad_header("no checkpoint follows the header"));
    };
    if committed < leaves.len() {
        // Leaves after the last checkpoint were never acknowledged: rebuild without them.
        tree = MerkleTree::from_leaf_hashes(leaves.get(..committed).unwrap_or_default().to_vec());
    }
    Ok(Parsed {
        tree,
        committed_len,
        checkpoint,
    })
}

fn check_head(
    dir: &Path,
    verifier: &NoteVerifier,
    origin: &str,
    parsed: &Parsed,
) -> Result<(), TlogError> {
    let head_path = dir.join(HEAD_FILE);
    let head = match crate::files::read_regular_no_follow(&head_path, crate::files::MAX_INPUT_BYTES)
    {
        Ok(b) => b,
        // A crash between creating the log and its head leaves an empty log without a head;
        // a log with entries and no head has lost its truncation check.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return match parsed.tree.size() {
                0 => Ok(()),
                _ => Err(TlogError::HeadMissing { path: head_path }),
            };
        }
        Err(e) => return Err(io_at(&head_path)(e)),
    };
    let at = |source| TlogError::Checkpoint { offset: 0, source };
    let cp = verify_checkpoint(&head, verifier, origin).map_err(at)?;
    let log_size = parsed.tree.size();
    if cp.size > log_size {
        return Err(TlogError::Truncated {
            head_size: cp.size,
            log_size,
        });
    }
    let root = if cp.size == 0 {
        merkle::empty_root()
    } else {
        parsed.tree.root(cp.size).map_err(at)?
    };
    cp.check_matches(cp.size, &root, "log file leaves")
        .map_err(at)
}

impl TransparencyLog for FileLog {
    fn append(&self, entry: &[u8]) -> Result<LogReceipt, CoreError> {
        let mut state = self.lock()?;
        Ok(self.append_locked(&mut state, entry)?)
    }

    fn checkpoint(&self) -> Result<SignedCheckpoint, CoreError> {
        Ok(self.lock()?.checkpoint.clone())
    }

    fn inclusion_proof(&self, log_index: u64, tree_size: u64) -> Result<InclusionProof, CoreError> {
        self.lock()?.tree.log_inclusion_proof(log_index, tree_size)
    }

    fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, CoreError> {
        self.lock()?.tree.log_consistency_proof(old_size, new_size)
    }
}
