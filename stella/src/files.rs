//! Reading the files a user or an image names: regular files only, with a size cap.
//!
//! Every file the `stella` crate reads goes through [`open_regular`] or [`read_regular`]. A
//! FIFO, socket, device or directory is refused by its type, never read: opening a FIFO blocks
//! until a writer appears and reading one (or `/dev/zero`) never ends, so an OCI layout whose
//! `index.json` or blob is a FIFO hung the scan forever. The file is opened non-blocking (a
//! FIFO then opens at once) and its type checked on the open descriptor (`fstat`), so a path
//! swapped between a check and the open cannot slip through.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Largest file the command line's `read_input` and the other whole-file readers of the
/// command line read into memory (4 GiB: a full OSV snapshot or a large SBOM stays far below;
/// `/dev/zero` or an endless pipe on stdin stops here).
pub const MAX_INPUT_BYTES: u64 = 4 << 30;

/// Whether the last component of a path may be a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it (a user's path, e.g. a key mounted as a link by Kubernetes): the file it
    /// leads to must be regular.
    Follow,
    /// Refuse it (files a store or a walk wrote or listed as regular files).
    Refuse,
}

/// The error for a path that is not a regular file (kind `InvalidInput`).
fn not_regular(path: &Path, kind: std::fs::FileType) -> io::Error {
    use std::os::unix::fs::FileTypeExt;
    let what = if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}, not a regular file (only regular files are read)",
            path.display()
        ),
    )
}

/// Opens `path` for reading if it is a regular file. The type is checked before opening (so
/// a device is not even opened) and again on the open descriptor.
pub fn open_regular(path: &Path, links: Links) -> io::Result<File> {
    let before = match links {
        Links::Follow => std::fs::metadata(path)?,
        Links::Refuse => std::fs::symlink_metadata(path)?,
    };
    if !before.file_type().is_file() {
        return Err(not_regular(path, before.file_type()));
    }
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let after = file.metadata()?;
    if !after.file_type().is_file() {
        return Err(not_regular(path, after.file_type()));
    }
    Ok(file)
}

/// Reads a whole regular file of at most `max` bytes (following a link in the last
/// component); over it is an error of kind `FileTooLarge`, found from the file's size before
/// reading and held while reading (a file that grows is cut off, not read on).
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    read_opened(open_regular(path, Links::Follow)?, path, max)
}

/// [`read_regular`] with [`Links::Refuse`].
pub fn read_regular_no_follow(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    read_opened(open_regular(path, Links::Refuse)?, path, max)
}

fn read_opened(file: File, path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let len = file.metadata()?.len();
    if len > max {
        return Err(too_large(path, max, len));
    }
    read_capped(file, path, max, usize::try_from(len).unwrap_or(0))
}

/// Reads `reader` to its end, refusing more than `max` bytes (`path` names it in the error;
/// `capacity` is reserved up front).
pub fn read_capped(
    reader: impl Read,
    path: &Path,
    max: u64,
    capacity: usize,
) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(capacity)
        .map_err(io::Error::other)?;
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, max, bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_large(path: &Path, max: u64, actual: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "{} is over the limit of {max} bytes (at least {actual})",
            path.display()
        ),
    )
}
