//! Shared input/output helpers for subcommands: atomic output files, `-` for stdin/stdout, and
//! key references (`path` or `env://VAR`, as cosign accepts).

use std::io::Write;
use std::path::Path;

use super::CliError;

/// Writes `bytes` to stdout when `path` is `None` or `-`, otherwise to the file `path` (see
/// [`write_file`]).
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match path {
        None => write_stdout(bytes),
        Some(p) if p == Path::new("-") => write_stdout(bytes),
        Some(path) => write_file(path, bytes, None),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory (created with
/// `mode` when given, e.g. `0o600` for a private key), fsync, rename. A path that exists and
/// is not a regular file (`/dev/null`, a FIFO, a terminal) is written in place: renaming over
/// it would replace the node itself (as root, `--output-file /dev/null` turned /dev/null into
/// a file).
pub(crate) fn write_file(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), CliError> {
    let io = |source| CliError::Io {
        path: path.display().to_string(),
        source,
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.flush()))
            .map_err(io);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        match mode {
            // A secret: a fresh file with its mode from the start, never a leftover one.
            Some(mode) => {
                use std::os::unix::fs::OpenOptionsExt;
                options.create_new(true).mode(mode);
            }
            None => {
                options.create(true).truncate(true);
            }
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(source));
    }
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| CliError::Io {
            path: "<stdout>".into(),
            source,
        })
}

/// Reads a whole input file, or stdin when `path` is `-`, of at most
/// [`MAX_INPUT_BYTES`](stella::files::MAX_INPUT_BYTES). A path must be a regular file (a link
/// to one is followed): a FIFO, device or directory is refused without being read (see
/// [`stella::files`]); stdin, asked for by name, may be a pipe.
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let max = stella::files::MAX_INPUT_BYTES;
    let result = if path == Path::new("-") {
        stella::files::read_capped(std::io::stdin().lock(), Path::new("<stdin>"), max, 0)
    } else {
        stella::files::read_regular(path, max)
    };
    result.map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Where key material comes from: a file path, or `env://VAR` for an environment variable
/// holding the PEM text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// A file on disk.
    File(std::path::PathBuf),
    /// An environment variable.
    Env(String),
}

impl KeyRef {
    /// Parses `env://VAR` or a path.
    pub fn parse(text: &str) -> Self {
        match text.strip_prefix("env://") {
            Some(var) => Self::Env(var.to_owned()),
            None => Self::File(text.into()),
        }
    }

    /// Reads the key bytes.
    pub fn read(&self) -> Result<Vec<u8>, CliError> {
        match self {
            Self::File(path) => read_input(path),
            Self::Env(var) => {
                std::env::var(var)
                    .map(String::into_bytes)
                    .map_err(|e| CliError::Usage {
                        what: "key reference",
                        value: format!("env://{var}"),
                        reason: e.to_string(),
                    })
            }
        }
    }
}

impl std::str::FromStr for KeyRef {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}
