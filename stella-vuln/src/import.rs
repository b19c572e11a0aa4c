//! Importing OSV records into a [`SnapshotBuilder`]: single documents, zip archives (as
//! osv.dev exports per ecosystem, e.g. `PyPI/all.zip`) and tar archives (plain or gzip), all
//! from bytes or readers. Directory trees are walked by the `stella` crate, which feeds each
//! file to [`Importer::add_document`].
//!
//! Strict mode stops at the first record that does not parse or validate, with an error naming
//! the record (or file); lenient mode counts rejected records in [`ImportStats`] and goes on.
//! Archives are bounded: entry count, per-entry size ([`MAX_RECORD_BYTES`]) and total
//! uncompressed size ([`ImportLimits`]).

use std::io::Read;

use crate::error::{ArchiveProblem, VulnError};
use crate::osv::{ImportStats, MAX_RECORD_BYTES, Syntax, parse_record_as};
use crate::snapshot::SnapshotBuilder;

/// Whether invalid records stop the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// The first invalid record is an error.
    Strict,
    /// Invalid records are counted and skipped.
    Lenient,
}

/// Bounds on archive input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Most entries in one archive.
    pub max_entries: u64,
    /// Most uncompressed bytes read from one archive.
    pub max_total_bytes: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_entries: 2_000_000,
            max_total_bytes: 8 << 30,
        }
    }
}

/// Feeds documents and archives into a snapshot builder.
///
/// ```
/// use stella_vuln::import::{ImportMode, Importer};
/// let mut imp = Importer::new(ImportMode::Lenient);
/// imp.add_document("ok.json", br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z"}"#).unwrap();
/// imp.add_document("bad.json", br#"{"id":"GO-2","modified":"never"}"#).unwrap();
/// assert_eq!(imp.stats().records, 1);
/// assert_eq!(imp.stats().rejected.len(), 1);
/// ```
#[derive(Debug)]
pub struct Importer {
    mode: ImportMode,
    limits: ImportLimits,
    builder: SnapshotBuilder,
    stats: ImportStats,
}

impl Importer {
    /// An importer with default limits.
    pub fn new(mode: ImportMode) -> Self {
        Self::with_limits(mode, ImportLimits::default())
    }

    /// An importer with the given limits.
    pub fn with_limits(mode: ImportMode, limits: ImportLimits) -> Self {
        Self {
            mode,
            limits,
            builder: SnapshotBuilder::new(),
            stats: ImportStats::default(),
        }
    }

    /// What was imported so far.
    pub fn stats(&self) -> &ImportStats {
        &self.stats
    }

    /// The builder, to write the snapshot.
    pub fn builder(&self) -> &SnapshotBuilder {
        &self.builder
    }

    /// The builder, to add records of other feeds and the snapshot's sources.
    pub fn builder_mut(&mut self) -> &mut SnapshotBuilder {
        &mut self.builder
    }

    /// Adds one document by name (`.json`, `.yaml`, `.yml`; other names are counted as skipped).
    pub fn add_document(&mut self, source_name: &str, bytes: &[u8]) -> Result<(), VulnError> {
        let Some(syntax) = Syntax::from_name(source_name) else {
            self.stats.skipped_files += 1;
            return Ok(());
        };
        let parsed = parse_record_as(source_name, bytes, syntax)
            .and_then(|r| r.validate(source_name).map(|()| r));
        self.add_parsed(source_name, parsed)
    }

    /// Adds the records of an NVD CVE document (API 2.0 response, 2.0 feed file, one item or one
    /// bare CVE; see [`crate::nvd`]; gzip-compressed or not): each CVE becomes a record named
    /// `<source_name>#<CVE id>`.
    /// Strict mode stops at the first document or CVE that cannot be made into a valid record;
    /// lenient mode counts it in [`ImportStats::rejected`] and goes on.
    ///
    /// ```
    /// use stella_vuln::import::{ImportMode, Importer};
    /// let mut imp = Importer::new(ImportMode::Strict);
    /// imp.add_nvd("nvdcve-2.0-2024.json", br#"{"format":"NVD_CVE","vulnerabilities":[
    ///   {"cve":{"id":"CVE-2024-0001","lastModified":"2024-01-02T00:00:00.000"}}]}"#).unwrap();
    /// assert_eq!(imp.stats().records, 1);
    /// ```
    pub fn add_nvd(&mut self, source_name: &str, bytes: &[u8]) -> Result<(), VulnError> {
        let cves = match crate::nvd::gunzip_if_needed(source_name, bytes)
            .and_then(|b| crate::nvd::parse_nvd(source_name, &b))
        {
            Ok(cves) => cves,
            Err(e) => return self.add_parsed(source_name, Err(e)),
        };
        for cve in &cves {
            let name = format!("{source_name}#{}", cve.id);
            let parsed = cve
                .to_osv(&name)
                .and_then(|r| r.validate(&name).map(|()| r));
            self.add_parsed(&name, parsed)?;
        }
        Ok(())
    }

    /// Counts a file that is not a document of the kind being imported.
    pub fn skip_file(&mut self) {
        self.stats.skipped_files += 1;
    }

    /// Adds one parsed (or refused) record under the mode's rules.
    fn add_parsed(
        &mut self,
        source_name: &str,
        parsed: Result<crate::osv::OsvRecord, VulnError>,
    ) -> Result<(), VulnError> {
        match parsed {
            Ok(rec) => {
                let before = self.builder.duplicates();
                self.builder.add(source_name, rec);
                self.stats.duplicates += self.builder.duplicates() - before;
                self.stats.records = self.builder.len() as u64;
                Ok(())
            }
            Err(e) => match self.mode {
                ImportMode::Strict => Err(e),
                ImportMode::Lenient => {
                    self.stats
                        .rejected
                        .insert(source_name.to_owned(), e.to_string());
                    Ok(())
                }
            },
        }
    }

    /// Adds every record of a zip archive, read within the limits of
    /// [`crate::feeds::osv_zip::entries`] (entry count, sizes, compression ratio).
    pub fn add_zip(&mut self, source_name: &str, bytes: &[u8]) -> Result<(), VulnError> {
        use crate::feeds::{FeedError, FeedLimits};
        let limits = FeedLimits {
            max_entries: self.limits.max_entries,
            max_total_bytes: self.limits.max_total_bytes,
            ..FeedLimits::default()
        };
        let entries =
            crate::feeds::osv_zip::entries(source_name, bytes, &limits).map_err(|e| match e {
                FeedError::Zip { source, .. } => VulnError::Archive {
                    source_name: source_name.to_owned(),
                    reason: ArchiveProblem::Zip(source),
                },
                FeedError::TooLarge { what, limit } => VulnError::Limit { what, limit },
                FeedError::ZipBomb { limit, .. } => VulnError::Limit {
                    what: "zip entry compression ratio",
                    limit,
                },
                FeedError::Record(e) => e,
                other => VulnError::Archive {
                    source_name: source_name.to_owned(),
                    reason: ArchiveProblem::ReadEntry {
                        name: String::new(),
                        source: std::io::Error::other(other.to_string()),
                    },
                },
            })?;
        for (name, data) in entries {
            self.add_document(&format!("{source_name}!{name}"), &data)?;
        }
        Ok(())
    }

    /// Adds every record of a tar archive (gzip-compressed when it starts with the gzip magic).
    pub fn add_tar<R: Read>(&mut self, source_name: &str, reader: R) -> Result<(), VulnError> {
        let mut reader = std::io::BufReader::new(reader);
        let peek = {
            use std::io::BufRead;
            reader
                .fill_buf()
                .map_err(|e| VulnError::Archive {
                    source_name: source_name.to_owned(),
                    reason: ArchiveProblem::Tar(e),
                })?
                .get(..2)
                .map(<[u8]>::to_vec)
        };
        if peek.as_deref() == Some(&[0x1f, 0x8b]) {
            self.add_tar_plain(source_name, flate2::read::GzDecoder::new(reader))
        } else {
            self.add_tar_plain(source_name, reader)
        }
    }

    fn add_tar_plain<R: Read>(&mut self, source_name: &str, reader: R) -> Result<(), VulnError> {
        let err = |e: std::io::Error| VulnError::Archive {
            source_name: source_name.to_owned(),
            reason: ArchiveProblem::Tar(e),
        };
        let mut archive = tar::Archive::new(reader);
        let mut docs: Vec<(String, Vec<u8>)> = Vec::new();
        let mut total = 0u64;
        let mut count = 0u64;
        for entry in archive.entries().map_err(err)? {
            let mut entry = entry.map_err(err)?;
            count += 1;
            if count > self.limits.max_entries {
                return Err(VulnError::Limit {
                    what: "tar entries",
                    limit: self.limits.max_entries,
                });
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry.path().map_err(err)?.to_string_lossy().into_owned();
            if Syntax::from_name(&name).is_none() {
                self.stats.skipped_files += 1;
                continue;
            }
            let data = read_bounded(&mut entry, &name, &mut total, self.limits, source_name)?;
            docs.push((name, data));
        }
        // Same records in any archive order give the same import (and errors in name order).
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, data) in docs {
            self.add_document(&format!("{source_name}!{name}"), &data)?;
        }
        Ok(())
    }
}

fn read_bounded<R: Read>(
    reader: &mut R,
    name: &str,
    total: &mut u64,
    limits: ImportLimits,
    source_name: &str,
) -> Result<Vec<u8>, VulnError> {
    let mut data = Vec::new();
    reader
        .take(MAX_RECORD_BYTES as u64 + 1)
        .read_to_end(&mut data)
        .map_err(|e| VulnError::Archive {
            source_name: source_name.to_owned(),
            reason: ArchiveProblem::ReadEntry {
                name: name.to_owned(),
                source: e,
            },
        })?;
    if data.len() > MAX_RECORD_BYTES {
        return Err(VulnError::Limit {
            what: "OSV document size",
            limit: MAX_RECORD_BYTES as u64,
        });
    }
    *total += data.len() as u64;
    if *total > limits.max_total_bytes {
        return Err(VulnError::Limit {
            what: "archive uncompressed size",
            limit: limits.max_total_bytes,
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    const GO1: &[u8] = br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#;
    const BAD: &[u8] = br#"{"id":"GO-2","modified":"not a time"}"#;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, d) in files {
            w.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(d).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (n, d) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, n, *d).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn zip_strict_and_lenient() {
        let z = zip_of(&[("GO-1.json", GO1), ("GO-2.json", BAD), ("README", b"x")]);
        let mut strict = Importer::new(ImportMode::Strict);
        let e = strict.add_zip("all.zip", &z).unwrap_err();
        assert!(
            matches!(
                &e,
                VulnError::OsvInvalid {
                    id,
                    reason: crate::OsvProblem::BadTime { .. },
                    ..
                } if id == "GO-2"
            ),
            "{e}"
        );
        let mut lenient = Importer::new(ImportMode::Lenient);
        lenient.add_zip("all.zip", &z).unwrap();
        assert_eq!(lenient.stats().records, 1);
        assert_eq!(lenient.stats().skipped_files, 1);
        assert!(lenient.stats().rejected.contains_key("all.zip!GO-2.json"));
    }

    #[test]
    fn tar_plain_and_gzip_give_the_same_snapshot() {
        let t = tar_of(&[("a/GO-1.json", GO1)]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&t).unwrap();
        let tgz = gz.finish().unwrap();
        let date = stella_core::Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").unwrap();
        let mut a = Importer::new(ImportMode::Strict);
        a.add_tar("x.tar", &t[..]).unwrap();
        let mut b = Importer::new(ImportMode::Strict);
        b.add_tar("x.tar.gz", &tgz[..]).unwrap();
        assert_eq!(a.stats().records, 1);
        assert_eq!(
            a.builder().build(&date).unwrap(),
            b.builder().build(&date).unwrap()
        );
    }

    #[test]
    fn archive_limits_hold() {
        let z = zip_of(&[("GO-1.json", GO1), ("GO-3.json", GO1)]);
        let mut imp = Importer::with_limits(
            ImportMode::Strict,
            ImportLimits {
                max_entries: 1,
                max_total_bytes: 1 << 20,
            },
        );
        assert!(matches!(imp.add_zip("z", &z), Err(VulnError::Limit { .. })));
        let mut imp = Importer::with_limits(
            ImportMode::Strict,
            ImportLimits {
                max_entries: 10,
                max_total_bytes: 10,
            },
        );
        assert!(matches!(imp.add_zip("z", &z), Err(VulnError::Limit { .. })));
        assert!(
            Importer::new(ImportMode::Strict)
                .add_zip("z", b"not a zip")
                .is_err()
        );
    }
}
