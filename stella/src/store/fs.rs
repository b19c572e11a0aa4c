//! A content-addressed, write-once blob store on the filesystem.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use stella_core::{BlobStore, CoreError, Digest, Hasher};

/// A [`BlobStore`] in a directory, laid out like an OCI image layout's blobs:
/// `ROOT/blobs/sha256/<64 hex>`.
///
/// - **Write-once.** A blob is written to a temporary file in the same directory, fsynced, made
///   read-only, then published with a hard link to its final name, which fails rather than
///   replaces when the name exists — so concurrent writers of the same content are safe and no
///   existing blob is ever overwritten. The directory is fsynced after publishing. A process
///   killed mid-write leaves only a `.tmp-*` file, never a partial blob under a digest name.
/// - **Verified reads.** [`BlobStore::get`] hashes what it read; a file edited behind the store's
///   back is [`CoreError::DigestMismatch`].
/// - No delete, no overwrite.
///
/// ```
/// use stella::store::FsBlobStore;
/// use stella_core::BlobStore;
///
/// let dir = tempfile::tempdir()?;
/// let store = FsBlobStore::open(dir.path())?;
/// let d = store.put(b"{}")?;
/// assert_eq!(store.get(&d)?, b"{}");
/// assert!(store.path_of(&d).exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FsBlobStore {
    root: PathBuf,
    blobs: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> CoreError {
    let context = context.into();
    move |source| CoreError::Io { context, source }
}

impl FsBlobStore {
    /// Opens (creating if needed) a store rooted at `root`.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, CoreError> {
        let root = root.as_ref().to_path_buf();
        let blobs = root.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).map_err(io_err(format!("creating {}", blobs.display())))?;
        Ok(Self { root, blobs })
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob named `digest` lives (whether or not it exists).
    pub fn path_of(&self, digest: &Digest) -> PathBuf {
        self.blobs.join(digest.hex())
    }

    fn temp_path(&self) -> PathBuf {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.blobs
            .join(format!(".tmp-{}-{n}-{}", std::process::id(), nonce()))
    }

    /// Checks that the blob already stored under `digest` still has that content, so a put of
    /// existing content never vouches for a file someone edited (write-once means the edited
    /// file is reported, not repaired or overwritten).
    fn check_existing(&self, digest: &Digest) -> Result<(), CoreError> {
        let path = self.path_of(digest);
        let file = open_blob(&path, digest)?;
        let (actual, _) = Hasher::digest_reader(io::BufReader::new(file))
            .map_err(io_err(format!("reading {}", path.display())))?;
        if actual != *digest {
            return Err(CoreError::DigestMismatch {
                expected: *digest,
                actual,
            });
        }
        Ok(())
    }

    /// Publishes a fully written, fsynced temporary file under `digest`.
    fn publish(&self, tmp: &Path, digest: &Digest) -> Result<(), CoreError> {
        let dest = self.path_of(digest);
        let result = match fs::hard_link(tmp, &dest) {
            Ok(()) => Ok(()),
            // Someone (possibly another process) published the same content first: a no-op,
            // once the file there is checked to hold that content.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => self.check_existing(digest),
            Err(e) => Err(io_err(format!("publishing {}", dest.display()))(e)),
        };
        let _ = fs::remove_file(tmp);
        result?;
        // Make the new directory entry durable.
        if let Ok(dir) = File::open(&self.blobs) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn write_temp(
        &self,
        write: impl FnOnce(&mut File) -> io::Result<Digest>,
    ) -> Result<(PathBuf, Digest), CoreError> {
        let tmp = self.temp_path();
        let result = (|| {
            let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            let digest = write(&mut file)?;
            file.flush()?;
            file.sync_all()?;
            let mut perms = file.metadata()?.permissions();
            perms.set_readonly(true);
            fs::set_permissions(&tmp, perms)?;
            Ok(digest)
        })();
        match result {
            Ok(digest) => Ok((tmp, digest)),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(io_err(format!("writing {}", tmp.display()))(e))
            }
        }
    }
}

/// Opens the blob file at `path`, which must be a regular file: the store only ever publishes
/// regular files, and a symbolic link (to a file outside the store, or to a FIFO that would
/// block the read forever) or a device put there by hand is refused before it is opened.
fn open_blob(path: &Path, digest: &Digest) -> Result<File, CoreError> {
    crate::files::open_regular(path, crate::files::Links::Refuse).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            CoreError::NotFound { digest: *digest }
        } else {
            io_err(format!("reading {}", path.display()))(e)
        }
    })
}

/// A per-call nonce so temporary names never collide across threads or processes.
fn nonce() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    u64::from(t) ^ (TMP_COUNTER.load(Ordering::Relaxed) << 32)
}

impl BlobStore for FsBlobStore {
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
        let digest = Digest::of(bytes);
        if self.path_of(&digest).exists() {
            self.check_existing(&digest)?;
            return Ok(digest);
        }
        let (tmp, _) = self.write_temp(|f| {
            f.write_all(bytes)?;
            Ok(digest)
        })?;
        self.publish(&tmp, &digest)?;
        Ok(digest)
    }

    fn put_reader(&self, reader: &mut dyn Read) -> Result<Digest, CoreError> {
        let (tmp, digest) = self.write_temp(|f| {
            let mut hasher = Hasher::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                let chunk = buf.get(..n).unwrap_or_default();
                hasher.update(chunk);
                f.write_all(chunk)?;
            }
            Ok(hasher.finish())
        })?;
        self.publish(&tmp, &digest)?;
        Ok(digest)
    }

    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let path = self.path_of(digest);
        let mut file = open_blob(&path, digest)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io_err(format!("reading {}", path.display())))?;
        digest.verify(&bytes)?;
        Ok(bytes)
    }

    fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
        Ok(fs::symlink_metadata(self.path_of(digest)).is_ok_and(|m| m.file_type().is_file()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_once_verified_reads() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let d = store.put(b"hello").unwrap();
        assert_eq!(d, Digest::of(b"hello"));
        assert_eq!(store.put(b"hello").unwrap(), d);
        assert!(store.contains(&d).unwrap());
        assert_eq!(store.get(&d).unwrap(), b"hello");
        let missing = Digest::of(b"nope");
        assert!(matches!(
            store.get(&missing),
            Err(CoreError::NotFound { .. })
        ));
        // Published blobs are read-only.
        let meta = fs::metadata(store.path_of(&d)).unwrap();
        assert!(meta.permissions().readonly());
        // No temporary files are left behind.
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("blobs/sha256"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn only_regular_files_are_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        // A link under a blob name, even to a file with the right content, is refused.
        let outside = dir.path().join("outside");
        fs::write(&outside, b"content").unwrap();
        let d = Digest::of(b"content");
        std::os::unix::fs::symlink(&outside, store.path_of(&d)).unwrap();
        assert!(matches!(store.get(&d), Err(CoreError::Io { .. })));
        assert!(!store.contains(&d).unwrap());
        assert!(
            store.put(b"content").is_err(),
            "put does not vouch for a link"
        );
        // A FIFO would block the read forever: refused without opening it.
        let fifo = Digest::of(b"fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(store.path_of(&fifo))
            .status()
            .unwrap();
        assert!(status.success());
        assert!(matches!(store.get(&fifo), Err(CoreError::Io { .. })));
        assert!(store.put(b"fifo").is_err());
        assert!(matches!(
            store.get(&Digest::of(b"missing")),
            Err(CoreError::NotFound { .. })
        ));
    }

    #[test]
    fn edited_blob_is_detected_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let d = store.put(b"original").unwrap();
        let path = store.path_of(&d);
        let mut perms = fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        fs::set_permissions(&path, perms).unwrap();
        fs::write(&path, b"tampered").unwrap();
        assert!(matches!(
            store.get(&d),
            Err(CoreError::DigestMismatch { expected, .. }) if expected == d
        ));
        // A put of the real content does not repair by overwriting (the store is write-once),
        // and does not vouch for the edited file either: it reports it.
        assert!(matches!(
            store.put(b"original"),
            Err(CoreError::DigestMismatch { expected, .. }) if expected == d
        ));
        assert!(matches!(
            store.put_reader(&mut &b"original"[..]),
            Err(CoreError::DigestMismatch { expected, .. }) if expected == d
        ));
        assert_eq!(fs::read(&path).unwrap(), b"tampered");
    }

    #[test]
    fn streaming_put_and_concurrent_writers() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(FsBlobStore::open(dir.path()).unwrap());
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        let d = store.put_reader(&mut &data[..]).unwrap();
        assert_eq!(d, Digest::of(&data));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || store.put(b"same content").unwrap())
            })
            .collect();
        let digests: Vec<Digest> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(digests.iter().all(|x| *x == Digest::of(b"same content")));
        assert_eq!(store.get(&digests[0]).unwrap(), b"same content");
    }
}
