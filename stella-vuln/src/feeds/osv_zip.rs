//! osv.dev's per-ecosystem exports: `<Ecosystem>/all.zip`, a zip archive of one OSV JSON
//! document per record (`GHSA-xxxx.json`, `PYSEC-2024-1.json`, …) at its root.
//!
//! Read with the `zip` crate (already the workspace's archive reader), bounded before anything
//! is inflated: the entry count ([`FeedLimits::max_entries`]), each entry's stated size (at most
//! [`MAX_RECORD_BYTES`]) and its ratio to the compressed size ([`FeedLimits::max_ratio`]: a zip
//! bomb is refused from its central directory, not after inflating it), and the total
//! ([`FeedLimits::max_total_bytes`]). Reading stops one byte past the stated size, so an entry
//! that lies about its size is caught too (and the zip crate checks each entry's CRC-32).
//! Entries are returned sorted by name, so the same archive in any entry order gives the same
//! records.
//!
//! ```
//! use std::io::Write;
//! use stella_vuln::feeds::{FeedLimits, FeedRecords, osv_zip};
//! let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
//! w.start_file("GO-2024-1.json", zip::write::SimpleFileOptions::default()).unwrap();
//! w.write_all(br#"{"id":"GO-2024-1","modified":"2024-01-01T00:00:00Z"}"#).unwrap();
//! let zip = w.finish().unwrap().into_inner();
//! let mut set = FeedRecords::new();
//! osv_zip::import("Go/all.zip", &zip, &FeedLimits::default(), &mut set)?;
//! assert_eq!(set.into_records()?[0].id, "GO-2024-1");
//! # Ok::<(), stella_vuln::feeds::FeedError>(())
//! ```

use std::io::{Cursor, Read};

use super::{FeedError, FeedLimits, FeedRecords};
use crate::osv::{MAX_RECORD_BYTES, Syntax, parse_record_as};

/// The regular-file entries of a zip archive as (name, bytes), sorted by name, within
/// `limits` (see the module docs). Directory entries are left out.
pub fn entries(
    source_name: &str,
    bytes: &[u8],
    limits: &FeedLimits,
) -> Result<Vec<(String, Vec<u8>)>, FeedError> {
    let zerr = |source| FeedError::Zip {
        source_name: source_name.to_owned(),
        source,
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zerr)?;
    if zip.len() as u64 > limits.max_entries {
        return Err(FeedError::TooLarge {
            what: "zip entries",
            limit: limits.max_entries,
        });
    }
    let mut names: Vec<(String, usize)> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(zerr)?;
        if entry.is_dir() {
            continue;
        }
        let (stated, compressed) = (entry.size(), entry.compressed_size());
        let name = entry.name().map_err(zerr)?.into_owned();
        if stated > MAX_RECORD_BYTES as u64 {
            return Err(FeedError::TooLarge {
                what: "OSV document size",
                limit: MAX_RECORD_BYTES as u64,
            });
        }
        // Tiny entries compress badly either way; judge the ratio past 64 KiB.
        if stated > 64 << 10 && stated > compressed.saturating_mul(limits.max_ratio) {
            return Err(FeedError::ZipBomb {
                source_name: source_name.to_owned(),
                entry: name,
                uncompressed: stated,
                compressed,
                limit: limits.max_ratio,
            });
        }
        names.push((name, i));
    }
    names.sort();
    let mut total = 0u64;
    let mut out = Vec::with_capacity(names.len());
    for (name, i) in names {
        let mut entry = zip.by_index(i).map_err(zerr)?;
        let stated = entry.size();
        let mut data = Vec::with_capacity(usize::try_from(stated).unwrap_or(0));
        (&mut entry)
            .take(stated.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| zerr(zip::result::ZipError::Io(e)))?;
        if data.len() as u64 != stated {
            return Err(FeedError::ZipBomb {
                source_name: source_name.to_owned(),
                entry: name,
                uncompressed: data.len() as u64,
                compressed: entry.compressed_size(),
                limit: limits.max_ratio,
            });
        }
        total += data.len() as u64;
        if total > limits.max_total_bytes {
            return Err(FeedError::TooLarge {
                what: "archive uncompressed size",
                limit: limits.max_total_bytes,
            });
        }
        drop(entry);
        out.push((name, data));
    }
    Ok(out)
}

/// Imports every `.json` entry of an osv.dev `all.zip` export as an OSV record (strict: the
/// first document that does not parse is an error naming it); other entries are counted as
/// skipped.
pub fn import(
    source_name: &str,
    bytes: &[u8],
    limits: &FeedLimits,
    out: &mut FeedRecords,
) -> Result<(), FeedError> {
    for (name, data) in entries(source_name, bytes, limits)? {
        out.stats_mut().documents += 1;
        let full = format!("{source_name}!{name}");
        match Syntax::from_name(&name) {
            Some(Syntax::Json) => {
                let rec = parse_record_as(&full, &data, Syntax::Json)?;
                rec.validate(&full)?;
                out.add(rec, limits)?;
            }
            _ => out.stats_mut().skip("not an OSV JSON entry"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, d) in files {
            w.start_file(
                *n,
                zip::write::SimpleFileOptions::default().compression_method(method),
            )
            .unwrap();
            w.write_all(d).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_bomb_is_refused_before_inflating() {
        let big = vec![b' '; 4 << 20];
        let z = zip_of(&[("a.json", &big)], zip::CompressionMethod::Deflated);
        assert!(z.len() < 64 << 10, "{}", z.len());
        let err = entries("all.zip", &z, &FeedLimits::default()).unwrap_err();
        assert!(matches!(err, FeedError::ZipBomb { .. }), "{err}");
        // The same bytes stored (ratio 1) are read.
        let z = zip_of(&[("a.json", &big)], zip::CompressionMethod::Stored);
        assert_eq!(
            entries("all.zip", &z, &FeedLimits::default()).unwrap()[0]
                .1
                .len(),
            4 << 20
        );
    }

    #[test]
    fn entries_are_sorted_and_bounded() {
        let z = zip_of(
            &[("b.json", b"{}"), ("a.json", b"{}"), ("c.txt", b"x")],
            zip::CompressionMethod::Deflated,
        );
        let names: Vec<String> = entries("z", &z, &FeedLimits::default())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["a.json", "b.json", "c.txt"]);
        let limits = FeedLimits {
            max_entries: 2,
            ..FeedLimits::default()
        };
        assert!(matches!(
            entries("z", &z, &limits),
            Err(FeedError::TooLarge { .. })
        ));
        let limits = FeedLimits {
            max_total_bytes: 3,
            ..FeedLimits::default()
        };
        assert!(matches!(
            entries("z", &z, &limits),
            Err(FeedError::TooLarge { .. })
        ));
        assert!(matches!(
            entries("z", b"PK\x03\x04 not a zip", &FeedLimits::default()),
            Err(FeedError::Zip { .. })
        ));
    }
}
