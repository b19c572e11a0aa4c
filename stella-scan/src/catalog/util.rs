//! Helpers shared by the catalogers: errors, purls, CPEs, RFC 822-style paragraphs, sorting.

use std::collections::BTreeMap;

use packageurl::PackageUrl;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogContext, Evidence, ExtractedFile, Package};

/// A parse error of one metadata file.
pub(crate) fn err(cataloger: &'static str, path: &str, reason: CatalogProblem) -> ScanError {
    ScanError::Catalog {
        cataloger,
        path: path.to_owned(),
        reason,
    }
}

/// The file's bytes as UTF-8, or a typed error naming it.
pub(crate) fn utf8<'a>(
    cataloger: &'static str,
    path: &str,
    data: &'a [u8],
) -> Result<&'a str, ScanError> {
    std::str::from_utf8(data).map_err(|e| err(cataloger, path, CatalogProblem::NotUtf8(e)))
}

/// A purl string built with the `packageurl` crate (qualifiers are written sorted by key).
pub(crate) fn purl(
    cataloger: &'static str,
    path: &str,
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> Result<String, ScanError> {
    let bad = |e: packageurl::Error| err(cataloger, path, CatalogProblem::Purl(e));
    let mut p = PackageUrl::new(ty, name).map_err(bad)?;
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        p.with_namespace(ns).map_err(bad)?;
    }
    if !version.is_empty() {
        p.with_version(version).map_err(bad)?;
    }
    for (k, v) in qualifiers {
        if !v.is_empty() {
            p.add_qualifier(*k, *v).map_err(bad)?;
        }
    }
    Ok(p.to_string())
}

/// The purl-spec `distro` qualifier value for the image's OS (`debian-12`, `alpine-3.20.3`).
pub(crate) fn distro_qualifier(context: &CatalogContext) -> Option<String> {
    let os = context.os.as_ref()?;
    Some(match &os.version_id {
        Some(v) => format!("{}-{}", os.id, v),
        None => os.id.clone(),
    })
}

/// One CPE 2.3 attribute in the formatted-string binding: lower-cased, with every character
/// other than `[a-z0-9._-]` escaped by a backslash; empty becomes `*`.
fn cpe_attr(value: &str) -> String {
    if value.is_empty() {
        return "*".to_owned();
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if c.is_ascii_graphic() {
            out.push('\\');
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// `cpe:2.3:a:VENDOR:PRODUCT:VERSION:*:*:*:*:*:*:*`.
pub(crate) fn cpe(vendor: &str, product: &str, version: &str) -> String {
    format!(
        "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
        cpe_attr(vendor),
        cpe_attr(product),
        cpe_attr(version)
    )
}

/// `cpe:2.3:a:VENDOR:PRODUCT:VERSION:*:*:*:*:TARGET_SW:*:*` (`node.js`, `python`, `go`, …).
pub(crate) fn cpe_for(vendor: &str, product: &str, version: &str, target_sw: &str) -> String {
    format!(
        "cpe:2.3:a:{}:{}:{}:*:*:*:*:{}:*:*",
        cpe_attr(vendor),
        cpe_attr(product),
        cpe_attr(version),
        cpe_attr(target_sw)
    )
}

/// Evidence for one extracted file.
pub(crate) fn evidence(file: &ExtractedFile) -> Evidence {
    Evidence {
        path: file.path.clone(),
        layer: file.layer,
    }
}

/// Sorts and de-duplicates a list in place.
pub(crate) fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    v.sort();
    v.dedup();
}

/// Sorts every list inside each package, then the packages by [`Package::sort_key`], and drops
/// exact duplicates (same purl, name, version and first evidence path), merging their evidence.
pub(crate) fn finish(mut packages: Vec<Package>) -> Vec<Package> {
    for p in &mut packages {
        sort_dedup(&mut p.licenses);
        sort_dedup(&mut p.cpes);
        sort_dedup(&mut p.evidence);
        sort_dedup(&mut p.files);
        sort_dedup(&mut p.dependencies);
        sort_dedup(&mut p.hashes);
    }
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    packages.dedup_by(|later, kept| {
        if later.sort_key() == kept.sort_key() {
            kept.evidence.append(&mut later.evidence);
            sort_dedup(&mut kept.evidence);
            true
        } else {
            false
        }
    });
    packages
}

/// A new package with the fields every cataloger fills; lists empty.
pub(crate) fn package(
    name: &str,
    version: &str,
    kind: crate::package::PackageKind,
    purl: String,
    cataloger: &'static str,
) -> Package {
    Package {
        name: name.to_owned(),
        version: version.to_owned(),
        kind,
        purl,
        licenses: Vec::new(),
        cpes: Vec::new(),
        source: None,
        evidence: Vec::new(),
        files: Vec::new(),
        dependencies: Vec::new(),
        cataloger: cataloger.to_owned(),
        metadata: BTreeMap::new(),
        license_acknowledgement: crate::package::LicenseAcknowledgement::Declared,
        supplier: None,
        authors: Vec::new(),
        hashes: Vec::new(),
    }
}

/// One RFC 822-style paragraph: field names (case kept) to values; continuation lines (starting
/// with a space or tab) are joined to the previous field with `\n`. Repeated fields keep every
/// value, in order.
pub(crate) type Paragraph<'a> = Vec<(&'a str, String)>;

/// The first value of a field, compared case-insensitively.
pub(crate) fn field<'p>(p: &'p Paragraph<'_>, name: &str) -> Option<&'p str> {
    p.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every value of a field, compared case-insensitively.
pub(crate) fn fields<'p>(p: &'p Paragraph<'_>, name: &'p str) -> impl Iterator<Item = &'p str> {
    p.iter()
        .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits `text` into paragraphs separated by blank lines. With `stop_at_blank`, only the first
/// paragraph is read (email-style headers followed by a body). Lines without a `:` that are not
/// continuations are an error.
pub(crate) fn paragraphs<'a>(
    cataloger: &'static str,
    path: &str,
    text: &'a str,
    stop_at_blank: bool,
) -> Result<Vec<Paragraph<'a>>, ScanError> {
    let mut out = Vec::new();
    let mut cur: Paragraph<'a> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                if stop_at_blank {
                    return Ok(out);
                }
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match cur.last_mut() {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => {
                    return Err(err(
                        cataloger,
                        path,
                        CatalogProblem::BadLine {
                            line: n + 1,
                            problem: "continuation line before any field",
                        },
                    ));
                }
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                cur.push((k, v.trim().to_owned()));
            }
            _ => {
                return Err(err(
                    cataloger,
                    path,
                    CatalogProblem::BadLine {
                        line: n + 1,
                        problem: "expected `Field: value`",
                    },
                ));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Classifies license text: a valid SPDX expression is kept as-is (canonical form), otherwise
/// the trimmed text is kept verbatim. Empty and `UNKNOWN` texts are dropped.
pub(crate) fn license(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("unknown") || t.eq_ignore_ascii_case("none") {
        return None;
    }
    if t.len() > 512 || t.contains('\n') {
        // A whole licence text pasted into a metadata field: keep only its first line.
        return t.lines().next().map(|l| l.trim().to_owned());
    }
    Some(t.to_owned())
}

/// Whether the bytes start like an ELF file.
pub(crate) fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// The contents of a named section of an ELF file (`None` when the file does not parse as ELF
/// or has no such section, or the section has no file data).
pub(crate) fn elf_section<'d>(data: &'d [u8], name: &str) -> Option<&'d [u8]> {
    use object::{Object, ObjectSection};
    if !is_elf(data) {
        return None;
    }
    let file = object::File::parse(data).ok()?;
    let section = file.section_by_name(name)?;
    section.data().ok()
}

/// Whether a mode says "regular file, executable by someone".
pub(crate) fn is_executable(mode: u32) -> bool {
    mode & 0o111 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpe_escapes_and_lowercases() {
        assert_eq!(
            cpe("Curl", "curl", "1:7.88.1-10+deb12u5"),
            "cpe:2.3:a:curl:curl:1\\:7.88.1-10\\+deb12u5:*:*:*:*:*:*:*"
        );
        assert_eq!(cpe("a", "b", ""), "cpe:2.3:a:a:b:*:*:*:*:*:*:*:*");
    }

    #[test]
    fn paragraphs_join_continuations_and_split_on_blank_lines() {
        let text = "A: 1\nB: two\n three\n\n\nA: 4\n";
        let ps = paragraphs("t", "p", text, false).unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(field(&ps[0], "b"), Some("two\nthree"));
        assert_eq!(field(&ps[1], "A"), Some("4"));
        assert!(paragraphs("t", "p", " x\n", false).is_err());
        assert!(paragraphs("t", "p", "no colon here\n", false).is_err());
    }

    #[test]
    fn purl_sorts_qualifiers_and_skips_empty_ones() {
        let p = purl(
            "t",
            "p",
            "deb",
            Some("debian"),
            "curl",
            "7.88.1-10",
            &[("distro", "debian-12"), ("arch", "amd64"), ("x", "")],
        )
        .unwrap();
        assert_eq!(
            p,
            "pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12"
        );
    }
}
