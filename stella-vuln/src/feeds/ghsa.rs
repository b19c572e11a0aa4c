//! The GitHub Advisory Database's OSV tree (`github.com/github/advisory-database`):
//! `advisories/github-reviewed/YYYY/MM/GHSA-xxxx-xxxx-xxxx/GHSA-xxxx-xxxx-xxxx.json`, one OSV
//! record per file, `YYYY/MM` the month of first publication.
//!
//! [`import_file`] takes one file by its path in the tree (a clone, a mirror directory or the
//! repository's tarball, whose paths start with one extra directory such as
//! `advisory-database-main/`). Files outside `advisories/github-reviewed/` (the unreviewed
//! advisories, the README, the workflows) are counted as skipped; a file inside it whose path
//! does not have the published shape, or whose record id is not its file name, is a
//! [`FeedError::Layout`] error: a mirror that moved records around is not trusted silently.
//!
//! ```
//! use stella_vuln::feeds::{FeedLimits, FeedRecords, ghsa};
//! let doc = br#"{"id":"GHSA-cfgh-jmpq-rvwx","modified":"2024-01-01T00:00:00Z","published":"2023-05-02T00:00:00Z"}"#;
//! let mut set = FeedRecords::new();
//! ghsa::import_file("advisories/github-reviewed/2023/05/GHSA-cfgh-jmpq-rvwx/GHSA-cfgh-jmpq-rvwx.json",
//!     doc, &FeedLimits::default(), &mut set)?;
//! assert_eq!(set.len(), 1);
//! # Ok::<(), stella_vuln::feeds::FeedError>(())
//! ```

use super::{FeedError, FeedLimits, FeedRecords};
use crate::osv::{Syntax, parse_record_as};

/// The reviewed advisories' directory in the tree.
pub const REVIEWED_DIR: &str = "advisories/github-reviewed/";

/// Whether `s` is a GHSA id (`GHSA-` and three groups of four of `23456789cfghjmpqrvwx`).
pub fn is_ghsa_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("GHSA-") else {
        return false;
    };
    let groups: Vec<&str> = rest.split('-').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|b| b"23456789cfghjmpqrvwx".contains(&b)))
}

/// The advisory id a path of the published layout names, `None` for paths outside
/// [`REVIEWED_DIR`], a [`FeedError::Layout`] for paths inside it that do not fit.
pub fn id_of_path(path: &str) -> Result<Option<&str>, FeedError> {
    let Some(at) = path.find(REVIEWED_DIR) else {
        return Ok(None);
    };
    let layout = |reason: &str| FeedError::Layout {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    // Only a prefix of one directory (a tarball's root) may stand before `advisories/`.
    let prefix = path.get(..at).unwrap_or_default();
    if !(prefix.is_empty() || (prefix.ends_with('/') && prefix.matches('/').count() == 1)) {
        return Ok(None);
    }
    let rel = path.get(at + REVIEWED_DIR.len()..).unwrap_or_default();
    let parts: Vec<&str> = rel.split('/').collect();
    let [year, month, dir, file] = parts.as_slice() else {
        return Err(layout(
            "not YYYY/MM/GHSA-id/GHSA-id.json under github-reviewed",
        ));
    };
    let numeric = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !numeric(year, 4) || !numeric(month, 2) {
        return Err(layout("year or month directory is not YYYY/MM"));
    }
    let Some(stem) = file.strip_suffix(".json") else {
        return Err(layout("not a .json file"));
    };
    if stem != *dir || !is_ghsa_id(stem) {
        return Err(layout("file name is not its directory's GHSA id"));
    }
    Ok(Some(stem))
}

/// Imports one file of the tree by its path (see the module docs).
pub fn import_file(
    path: &str,
    bytes: &[u8],
    limits: &FeedLimits,
    out: &mut FeedRecords,
) -> Result<(), FeedError> {
    let Some(id) = id_of_path(path)? else {
        out.stats_mut().skip("outside advisories/github-reviewed");
        return Ok(());
    };
    limits.check_size("GHSA document", bytes.len())?;
    out.stats_mut().documents += 1;
    let rec = parse_record_as(path, bytes, Syntax::Json)?;
    if rec.id != id {
        return Err(FeedError::Layout {
            path: path.to_owned(),
            reason: format!("holds record {:?}", rec.id),
        });
    }
    rec.validate(path)?;
    out.stats_mut().statements += rec.affected.len() as u64;
    out.add(rec, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_layout() {
        let ok = "advisories/github-reviewed/2024/09/GHSA-9wv6-86v2-598j/GHSA-9wv6-86v2-598j.json";
        assert_eq!(id_of_path(ok).unwrap(), Some("GHSA-9wv6-86v2-598j"));
        assert_eq!(
            id_of_path(&format!("advisory-database-main/{ok}")).unwrap(),
            Some("GHSA-9wv6-86v2-598j")
        );
        for skipped in [
            "README.md",
            "advisories/unreviewed/2024/09/GHSA-9wv6-86v2-598j/GHSA-9wv6-86v2-598j.json",
            "a/b/advisories/github-reviewed/2024/09/GHSA-9wv6-86v2-598j/GHSA-9wv6-86v2-598j.json",
        ] {
            assert_eq!(id_of_path(skipped).unwrap(), None, "{skipped}");
        }
        for bad in [
            "advisories/github-reviewed/2024/09/GHSA-9wv6-86v2-598j.json",
            "advisories/github-reviewed/24/09/GHSA-9wv6-86v2-598j/GHSA-9wv6-86v2-598j.json",
            "advisories/github-reviewed/2024/09/GHSA-9wv6-86v2-598j/GHSA-aaaa-86v2-598j.json",
            "advisories/github-reviewed/2024/09/GHSA-9wv6-86v2-598j/GHSA-9wv6-86v2-598j.yaml",
            "advisories/github-reviewed/2024/09/x/x.json",
        ] {
            assert!(id_of_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_record_under_another_name_is_refused() {
        let doc = br#"{"id":"GHSA-2222-3333-4444","modified":"2024-01-01T00:00:00Z"}"#;
        let mut set = FeedRecords::new();
        let err = import_file(
            "advisories/github-reviewed/2024/01/GHSA-5555-6666-7777/GHSA-5555-6666-7777.json",
            doc,
            &FeedLimits::default(),
            &mut set,
        )
        .unwrap_err();
        assert!(matches!(err, FeedError::Layout { .. }), "{err}");
    }
}
