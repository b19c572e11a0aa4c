//! The std adapter of the vulnerability DB: importing OSV sources from the filesystem into a
//! [`stella_vuln::import::Importer`].
//!
//! A source is a directory tree (walked in sorted path order, symbolic links not followed), a
//! zip archive (`.zip`, as osv.dev exports `Debian/all.zip`), a tar archive (`.tar`, `.tar.gz`,
//! `.tgz`) or one OSV document (`.json`, `.yaml`, `.yml`).

pub mod build;
pub mod diff;
pub mod freshness;
pub mod sign;
pub mod update;

use std::fs;
use std::path::Path;

use stella_vuln::VulnError;

use crate::files::{Links, MAX_INPUT_BYTES, open_regular, read_regular, read_regular_no_follow};
use stella_vuln::import::Importer;

/// Why a source could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbImportError {
    /// Reading the filesystem failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The importer refused a record or archive.
    #[error(transparent)]
    Vuln(#[from] VulnError),
    /// A feed importer refused a document.
    #[error(transparent)]
    Feed(#[from] stella_vuln::feeds::FeedError),
    /// No snapshot date was given and no record carries a `modified` date to take it from.
    #[error("no snapshot date: give one (--date); no imported record has a modified date")]
    NoDate,
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DbImportError + '_ {
    move |source| DbImportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Imports one source (see the module docs). Names given to the importer are paths relative to
/// the source, so the same tree imported from two places gives the same snapshot.
pub fn import_source(importer: &mut Importer, path: &Path) -> Result<(), DbImportError> {
    let meta = fs::metadata(path).map_err(io(path))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, path, &mut files)?;
        files.sort();
        for rel in files {
            let full = path.join(&rel);
            let bytes = read_regular_no_follow(&full, MAX_INPUT_BYTES).map_err(io(&full))?;
            importer.add_document(&rel, &bytes)?;
        }
        return Ok(());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".zip") {
        let bytes = read_regular(path, MAX_INPUT_BYTES).map_err(io(path))?;
        importer.add_zip(&name, &bytes)?;
    } else if lower.ends_with(".tar") || lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        let file = open_regular(path, Links::Follow).map_err(io(path))?;
        importer.add_tar(&name, file)?;
    } else {
        let bytes = read_regular(path, MAX_INPUT_BYTES).map_err(io(path))?;
        importer.add_document(&name, &bytes)?;
    }
    Ok(())
}

pub(crate) fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), DbImportError> {
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(rel);
        }
    }
    Ok(())
}
