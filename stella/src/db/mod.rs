//! The std adapter of the vulnerability DB: importing OSV sources from the filesystem into a
//! [`stella_vuln::import::Importer`].
//!
//! A source is a directory tree (walked in sorted path order, symbolic links not followed), a
//! zip archive (`.zip`, as osv.dev exports `Debian/all.zip`), a tar archive (`.tar`, `.tar.gz`,
//! `.tgz`) or one OSV document (`.json`, `.yaml`, `.yml`).
//!
//! NVD CVE data ([`import_nvd_source`]) is a file (`.json`, `.json.gz`: an NVD CVE API 2.0
//! response, a 2.0 feed file `nvdcve-2.0-<year>.json.gz`, or one CVE) or a directory of such
//! files; see [`stella_vuln::nvd`].

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
        return each_tree_file(path, |rel, bytes| importer.add_document(rel, bytes));
    }
    let name = file_name(path);
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

/// Imports NVD CVE data (see the module docs): one file, or every `.json`/`.json.gz` file of a
/// directory tree (sorted path order, symbolic links not followed; other files are skipped and
/// counted). Names given to the importer are paths relative to the source.
pub fn import_nvd_source(importer: &mut Importer, path: &Path) -> Result<(), DbImportError> {
    let meta = fs::metadata(path).map_err(io(path))?;
    if meta.is_dir() {
        return each_tree_file(path, |rel, bytes| {
            let lower = rel.to_ascii_lowercase();
            if lower.ends_with(".json") || lower.ends_with(".json.gz") {
                importer.add_nvd(rel, bytes)
            } else {
                importer.skip_file();
                Ok(())
            }
        });
    }
    let bytes = read_regular(path, MAX_INPUT_BYTES).map_err(io(path))?;
    importer.add_nvd(&file_name(path), &bytes)?;
    Ok(())
}

/// The last component of a path (the importer's name of a single-file source).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads every regular file of a directory tree (sorted relative paths, symbolic links not
/// followed) and hands each to `add` with its relative path.
fn each_tree_file(
    root: &Path,
    mut add: impl FnMut(&str, &[u8]) -> Result<(), VulnError>,
) -> Result<(), DbImportError> {
    let mut files = Vec::new();
    walk(root, root, &mut files)?;
    files.sort();
    for rel in files {
        let full = root.join(&rel);
        let bytes = read_regular_no_follow(&full, MAX_INPUT_BYTES).map_err(io(&full))?;
        add(&rel, &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stella_vuln::import::ImportMode;

    const CVE: &[u8] = br#"{"id":"CVE-2024-0001","lastModified":"2024-01-01T00:00:00.000",
        "metrics":{"cvssMetricV31":[{"cvssData":{"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}]}}"#;

    #[test]
    fn nvd_directories_and_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("2024")).unwrap();
        std::fs::write(dir.path().join("2024/CVE-2024-0001.json"), CVE).unwrap();
        std::fs::write(dir.path().join("README.txt"), b"not NVD").unwrap();
        let mut imp = Importer::new(ImportMode::Strict);
        import_nvd_source(&mut imp, dir.path()).unwrap();
        assert_eq!((imp.stats().records, imp.stats().skipped_files), (1, 1));
        let mut one = Importer::new(ImportMode::Strict);
        import_nvd_source(&mut one, &dir.path().join("2024/CVE-2024-0001.json")).unwrap();
        assert_eq!(one.stats().records, 1);
        // A file that is not NVD JSON fails in strict mode, naming it.
        let err = import_nvd_source(&mut one, &dir.path().join("README.txt")).unwrap_err();
        assert!(err.to_string().contains("README.txt"), "{err}");
    }
}
