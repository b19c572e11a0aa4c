//! Licences from Debian `copyright` files (`usr/share/doc/<package>/copyright`).
//!
//! A machine-readable file (DEP-5, `Format: …/copyright-format/1.0/`) states its licences in
//! `License:` fields: the first line of each `Files` paragraph's (and the header's) `License`
//! is a Debian short-name expression (`GPL-2+ or Artistic`, `LGPL-2.1+ with OpenSSL
//! exception`), which [`debian_expression`] turns into an SPDX expression where every name has
//! an SPDX id, and keeps verbatim otherwise. These are *declared* licences.
//!
//! Any other file is free text: [`detect_texts`] recognises the usual references and
//! licence texts (`/usr/share/common-licenses/GPL-2`, the MIT/ISC/BSD/zlib grants, the Apache
//! 2.0 notice) with plain substring tests over the first [`MAX_SCAN_BYTES`] bytes (no regular
//! expressions: a few microseconds per file). These are *concluded* licences.
//!
//! What phase 1 keeps of a copyright file is only this result ([`distill`]): a marker line,
//! the acknowledgement, and one licence per line — a few dozen bytes instead of the text.

use crate::package::LicenseAcknowledgement;

/// Bytes of a copyright file that are looked at (real ones rarely exceed 100 KiB; some list
/// thousands of files, and their licences are stated near the top).
pub(crate) const MAX_SCAN_BYTES: usize = 512 << 10;

/// Longest `License:` value kept verbatim.
const MAX_NAME_BYTES: usize = 256;

/// Most licences kept from one file.
const MAX_LICENSES: usize = 64;

/// First line of what [`distill`] keeps, so a distilled record is never taken for a raw file.
pub(crate) const DISTILLED_MAGIC: &str = "#stella-copyright-v1";

/// Debian short names (DEP-5 §7.2 and common practice) → SPDX ids. A trailing `+` means "or
/// any later version" and is handled by the caller.
const DEBIAN_NAMES: &[(&str, &str)] = &[
    ("agpl-3", "AGPL-3.0-only"),
    ("apache-1.0", "Apache-1.0"),
    ("apache-1.1", "Apache-1.1"),
    ("apache-2", "Apache-2.0"),
    ("apache-2.0", "Apache-2.0"),
    ("artistic", "Artistic-1.0-Perl"),
    ("artistic-1.0", "Artistic-1.0"),
    ("artistic-2.0", "Artistic-2.0"),
    ("boost-1.0", "BSL-1.0"),
    ("bsd-2-clause", "BSD-2-Clause"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("bsd-4-clause", "BSD-4-Clause"),
    ("bsl-1.0", "BSL-1.0"),
    ("cc-by-3.0", "CC-BY-3.0"),
    ("cc-by-4.0", "CC-BY-4.0"),
    ("cc-by-sa-3.0", "CC-BY-SA-3.0"),
    ("cc-by-sa-4.0", "CC-BY-SA-4.0"),
    ("cc0", "CC0-1.0"),
    ("cc0-1.0", "CC0-1.0"),
    ("cddl-1.0", "CDDL-1.0"),
    ("epl-1.0", "EPL-1.0"),
    ("epl-2.0", "EPL-2.0"),
    ("expat", "MIT"),
    ("gfdl-1.2", "GFDL-1.2-only"),
    ("gfdl-1.3", "GFDL-1.3-only"),
    ("gfdl-niv-1.2", "GFDL-1.2-no-invariants-only"),
    ("gfdl-niv-1.3", "GFDL-1.3-no-invariants-only"),
    ("gpl-1", "GPL-1.0-only"),
    ("gpl-2", "GPL-2.0-only"),
    ("gpl-2.0", "GPL-2.0-only"),
    ("gpl-3", "GPL-3.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("isc", "ISC"),
    ("lgpl-2", "LGPL-2.0-only"),
    ("lgpl-2.0", "LGPL-2.0-only"),
    ("lgpl-2.1", "LGPL-2.1-only"),
    ("lgpl-3", "LGPL-3.0-only"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("lppl-1.3c", "LPPL-1.3c"),
    ("mit", "MIT"),
    ("mpl-1.1", "MPL-1.1"),
    ("mpl-2.0", "MPL-2.0"),
    ("ofl-1.1", "OFL-1.1"),
    ("openssl", "OpenSSL"),
    ("psf-2", "PSF-2.0"),
    ("python-2.0", "Python-2.0"),
    ("sil-ofl-1.1", "OFL-1.1"),
    ("unicode-dfs-2016", "Unicode-DFS-2016"),
    ("w3c", "W3C"),
    ("x11", "X11"),
    ("zlib", "Zlib"),
    ("zpl-2.1", "ZPL-2.1"),
];

/// The `-or-later` form of a GNU `-only` id, or `id+` for others (SPDX's `+` operator).
fn or_later(id: &str) -> String {
    match id.strip_suffix("-only") {
        Some(base) => format!("{base}-or-later"),
        None => format!("{id}+"),
    }
}

/// One Debian short name (with an optional trailing `+`) as an SPDX id; `None` when unknown.
fn debian_name(name: &str) -> Option<String> {
    let lower = name.trim().to_ascii_lowercase();
    let (base, plus) = match lower.strip_suffix('+') {
        Some(b) => (b, true),
        None => (lower.as_str(), false),
    };
    let id = DEBIAN_NAMES
        .binary_search_by(|(k, _)| (*k).cmp(base))
        .ok()
        .and_then(|i| DEBIAN_NAMES.get(i))
        .map(|(_, id)| (*id).to_owned())
        .or_else(|| {
            // Already an SPDX id (`BSD-3-Clause`, `GPL-2.0-or-later`)?
            ::spdx::license_id(name.trim().trim_end_matches('+'))
                .filter(|l| {
                    l.name
                        .eq_ignore_ascii_case(name.trim().trim_end_matches('+'))
                })
                .map(|l| l.name.to_owned())
        })?;
    Some(if plus { or_later(&id) } else { id })
}

/// A DEP-5 licence expression (`GPL-2+ or Artistic`, `A and B`, `GPL-3+ with Autoconf-data
/// exception`, `A, and B`) as an SPDX expression, when every name maps to an SPDX id and the
/// result parses as one; `None` otherwise.
pub(crate) fn debian_expression(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 1024 {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    // Tokens separated by whitespace; `or` / `and` (any case, a trailing comma allowed before
    // them) are operators, `with X exception` an exception.
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    let mut operand: Option<String> = None;
    while let Some(w) = words.get(i) {
        let word = w.trim_end_matches(',');
        match word.to_ascii_lowercase().as_str() {
            "or" | "and" => {
                out.push(operand.take()?);
                out.push(word.to_ascii_uppercase());
            }
            "with" => {
                // `with NAME exception`: NAME must be an SPDX exception id.
                let name = words.get(i + 1)?.trim_end_matches(',');
                let kw = words.get(i + 2)?.trim_end_matches(',');
                if !kw.eq_ignore_ascii_case("exception") {
                    return None;
                }
                let exc = ::spdx::exception_id(name)?;
                let base = operand.take()?;
                operand = Some(format!("{base} WITH {}", exc.name));
                i += 3;
                continue;
            }
            _ => {
                if operand.is_some() {
                    return None;
                }
                operand = Some(debian_name(word)?);
            }
        }
        i += 1;
    }
    out.push(operand?);
    let expr = out.join(" ");
    ::spdx::Expression::parse(&expr).ok()?;
    Some(expr)
}

/// The licences of a copyright file and how they were found: `Declared` for a DEP-5 file's
/// `License:` fields, `Concluded` for texts recognised in a free-form file. Empty when nothing
/// was found.
pub(crate) fn copyright_licenses(data: &[u8]) -> (LicenseAcknowledgement, Vec<String>) {
    let head = data.get(..MAX_SCAN_BYTES).unwrap_or(data);
    let text = String::from_utf8_lossy(head);
    if let Some(found) = dep5_licenses(&text).filter(|f| !f.is_empty()) {
        return (LicenseAcknowledgement::Declared, found);
    }
    (LicenseAcknowledgement::Concluded, detect_texts(&text))
}

/// The `License:` values of a DEP-5 file (`None` when the file is not DEP-5): the first line of
/// each header / `Files` paragraph's `License` field, mapped with [`debian_expression`] (kept
/// verbatim where it does not map), in order of first appearance, de-duplicated. When no
/// paragraph has `Files`, every `License` field counts.
fn dep5_licenses(text: &str) -> Option<Vec<String>> {
    let mut paragraphs: Vec<Vec<(String, String)>> = Vec::new();
    let mut cur: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                paragraphs.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':')
            && !k.is_empty()
            && !k.contains(' ')
        {
            cur.push((k.to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    if !cur.is_empty() {
        paragraphs.push(cur);
    }
    let format = paragraphs
        .first()?
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.to_ascii_lowercase())?;
    if !(format.contains("copyright-format") || format.contains("dep5")) {
        return None;
    }
    let has = |p: &Vec<(String, String)>, key: &str| p.iter().any(|(k, _)| k == key);
    let any_files = paragraphs.iter().any(|p| has(p, "files"));
    let mut out: Vec<String> = Vec::new();
    for (n, p) in paragraphs.iter().enumerate() {
        if any_files && n != 0 && !has(p, "files") {
            continue;
        }
        for (k, v) in p {
            // A short name is a few words; anything long is not one.
            if k != "license" || v.is_empty() || v.len() > MAX_NAME_BYTES {
                continue;
            }
            let l = debian_expression(v).unwrap_or_else(|| v.clone());
            if !out.contains(&l) && out.len() < MAX_LICENSES {
                out.push(l);
            }
        }
    }
    Some(out)
}

/// Recognisable licence texts and references in free text: (lower-case needle, SPDX id or
/// Debian name resolved later). `GPL`-family references become `-or-later` when the text says
/// "any later version", else `-only`.
const TEXT_NEEDLES: &[(&str, &str)] = &[
    ("/usr/share/common-licenses/agpl-3", "agpl-3"),
    ("/usr/share/common-licenses/apache-2.0", "apache-2.0"),
    ("/usr/share/common-licenses/artistic", "artistic"),
    ("/usr/share/common-licenses/gfdl-1.2", "gfdl-1.2"),
    ("/usr/share/common-licenses/gfdl-1.3", "gfdl-1.3"),
    ("/usr/share/common-licenses/gpl-1", "gpl-1"),
    ("/usr/share/common-licenses/gpl-2", "gpl-2"),
    ("/usr/share/common-licenses/gpl-3", "gpl-3"),
    ("/usr/share/common-licenses/lgpl-2.1", "lgpl-2.1"),
    ("/usr/share/common-licenses/lgpl-2", "lgpl-2"),
    ("/usr/share/common-licenses/lgpl-3", "lgpl-3"),
    ("/usr/share/common-licenses/mpl-1.1", "mpl-1.1"),
    ("/usr/share/common-licenses/mpl-2.0", "mpl-2.0"),
    ("/usr/share/common-licenses/cc0-1.0", "cc0-1.0"),
    (
        "permission is hereby granted, free of charge, to any person obtaining a copy",
        "mit",
    ),
    (
        "permission to use, copy, modify, and/or distribute this software for any",
        "isc",
    ),
    (
        "permission to use, copy, modify, and distribute this software for any purpose with or without fee",
        "isc",
    ),
    (
        "licensed under the apache license, version 2.0",
        "apache-2.0",
    ),
    ("apache license, version 2.0", "apache-2.0"),
    ("altered source versions must be plainly marked", "zlib"),
    ("mozilla public license, v. 2.0", "mpl-2.0"),
    ("python software foundation license version 2", "psf-2"),
];

/// Whether `flat` contains `needle` as a whole name: not followed by a letter, a digit, or a
/// `.` and a digit (`…/LGPL-2` is not `…/LGPL-2.1`).
fn mentions(flat: &str, needle: &str) -> bool {
    flat.match_indices(needle).any(|(at, _)| {
        let rest = flat.get(at + needle.len()..).unwrap_or("");
        let mut chars = rest.chars();
        match chars.next() {
            None => true,
            Some(c) if c.is_ascii_alphanumeric() => false,
            Some('.') => !chars.next().is_some_and(|d| d.is_ascii_digit()),
            Some(_) => true,
        }
    })
}

/// Adds the SPDX id of a Debian short name found in free text (`-or-later` for the GNU family
/// when the text says "any later version").
fn push_text_license(out: &mut Vec<String>, name: &str, later: bool) {
    let gnu = name.starts_with("gpl") || name.starts_with("lgpl") || name.starts_with("agpl");
    let name = if gnu && later {
        format!("{name}+")
    } else {
        name.to_owned()
    };
    if let Some(id) = debian_name(&name)
        && !out.contains(&id)
    {
        out.push(id);
    }
}

/// Licences recognised in a free-form copyright text, sorted, de-duplicated.
pub(crate) fn detect_texts(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    // Line breaks and runs of spaces (texts are wrapped anywhere) become single spaces.
    let flat: String = {
        let mut s = String::with_capacity(lower.len());
        let mut space = false;
        for c in lower.chars() {
            let ws = c.is_whitespace() || c == '`';
            if ws {
                if !space {
                    s.push(' ');
                }
            } else {
                s.push(c);
            }
            space = ws;
        }
        s
    };
    let later = flat.contains("any later version");
    let mut out: Vec<String> = Vec::new();
    for (needle, name) in TEXT_NEEDLES {
        if mentions(&flat, needle) {
            push_text_license(&mut out, name, later);
        }
    }
    // The BSD licences: the redistribution grant, then the clause that sets the variant apart.
    if flat.contains("redistribution and use in source and binary forms") {
        let variant = if flat.contains("all advertising materials mentioning features") {
            "bsd-4-clause"
        } else if flat.contains("endorse or promote products derived") {
            "bsd-3-clause"
        } else {
            "bsd-2-clause"
        };
        push_text_license(&mut out, variant, later);
    }
    // A bare common-licenses `GPL` / `LGPL` (the latest version, as Debian documents it).
    if out.is_empty() {
        if flat.contains("/usr/share/common-licenses/gpl") {
            push_text_license(&mut out, "gpl-3", later);
        } else if flat.contains("/usr/share/common-licenses/lgpl") {
            push_text_license(&mut out, "lgpl-3", later);
        }
    }
    if out.is_empty() && flat.contains("public domain") {
        out.push("public-domain".to_owned());
    }
    out.sort();
    out
}

/// What phase 1 keeps of a copyright file: [`DISTILLED_MAGIC`], the acknowledgement, then one
/// licence per line.
pub(crate) fn distill(data: &[u8]) -> Vec<u8> {
    let (ack, licenses) = copyright_licenses(data);
    let mut out = format!("{DISTILLED_MAGIC}\n{}\n", ack.as_str());
    for l in licenses {
        // A licence kept verbatim is one line of the file already; be sure of it.
        out.push_str(l.replace(['\n', '\r'], " ").trim());
        out.push('\n');
    }
    out.into_bytes()
}

/// Reads a record [`distill`] made, or distills raw bytes (a file handed over without phase
/// 1, e.g. by a caller building [`crate::CatalogInput`] by hand).
pub(crate) fn read_distilled(data: &[u8]) -> (LicenseAcknowledgement, Vec<String>) {
    let Some(rest) = data
        .strip_prefix(DISTILLED_MAGIC.as_bytes())
        .and_then(|r| r.strip_prefix(b"\n"))
    else {
        return copyright_licenses(data);
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.lines();
    let ack = match lines.next() {
        Some("concluded") => LicenseAcknowledgement::Concluded,
        _ => LicenseAcknowledgement::Declared,
    };
    let licenses = lines
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MAX_LICENSES)
        .map(str::to_owned)
        .collect();
    (ack, licenses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_names_table_is_sorted_for_binary_search() {
        assert!(DEBIAN_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, id) in DEBIAN_NAMES {
            assert!(::spdx::license_id(id).is_some(), "{id}");
        }
    }

    #[test]
    fn debian_expressions_map_to_spdx() {
        let cases = [
            ("GPL-2+", Some("GPL-2.0-or-later")),
            ("GPL-2", Some("GPL-2.0-only")),
            ("LGPL-2.1+", Some("LGPL-2.1-or-later")),
            (
                "GPL-2+ or Artistic",
                Some("GPL-2.0-or-later OR Artistic-1.0-Perl"),
            ),
            ("BSD-3-clause and Expat", Some("BSD-3-Clause AND MIT")),
            ("Zlib", Some("Zlib")),
            (
                "GPL-3+ with GCC-exception-3.1 exception",
                Some("GPL-3.0-or-later WITH GCC-exception-3.1"),
            ),
            ("Apache-2.0+", Some("Apache-2.0+")),
            ("public-domain", None),
            ("GPL-2+ with OpenSSL exception", None),
            ("permissive", None),
            ("GPL-2 or", None),
            ("or GPL-2", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(debian_expression(text).as_deref(), want, "{text}");
        }
    }

    const DEP5: &str = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: zlib\n\nFiles: *\nCopyright: 1995-2013 Jean-loup Gailly and Mark Adler\nLicense: Zlib\n\nFiles: contrib/*\nCopyright: 2000 X\nLicense: GPL-2+\n\nFiles: debian/*\nCopyright: 2009 Y\nLicense: public-domain\n\nLicense: Zlib\n This software is provided 'as-is', without any express or implied\n warranty.\n .\n License: not a field\n\nLicense: LGPL-3\n Text of a licence no Files paragraph uses.\n";

    #[test]
    fn dep5_files_licenses_are_declared() {
        let (ack, l) = copyright_licenses(DEP5.as_bytes());
        assert_eq!(ack, LicenseAcknowledgement::Declared);
        assert_eq!(l, ["Zlib", "GPL-2.0-or-later", "public-domain"]);
    }

    #[test]
    fn free_text_is_detected_and_concluded() {
        let gpl = "This is Debian's prepackaged version of GNU sed.\n\n  This program is free software; you can redistribute it and/or modify\n  it under the terms of the GNU General Public License as published by\n  the Free Software Foundation; either version 3, or (at your option)\n  any later version.\n\nOn Debian systems, the complete text of the GNU General Public License\nversion 3 can be found in `/usr/share/common-licenses/GPL-3'.\n";
        let (ack, l) = copyright_licenses(gpl.as_bytes());
        assert_eq!(ack, LicenseAcknowledgement::Concluded);
        assert_eq!(l, ["GPL-3.0-or-later"]);
        let bsd = "Redistribution and use in source and binary forms, with or without\nmodification, are permitted provided that ...\n3. Neither the name of the University nor the names of its contributors\n   may be used to endorse or promote products derived from this software\n";
        assert_eq!(detect_texts(bsd), ["BSD-3-Clause"]);
        let mit = "Permission is hereby granted, free of charge, to any person\nobtaining a copy of this software";
        assert_eq!(detect_texts(mit), ["MIT"]);
        let only = "see /usr/share/common-licenses/GPL-2 and /usr/share/common-licenses/LGPL-2.1";
        assert_eq!(detect_texts(only), ["GPL-2.0-only", "LGPL-2.1-only"]);
        assert_eq!(detect_texts("all rights reserved"), Vec::<String>::new());
        let psf = "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2\n----\n1. This LICENSE AGREEMENT";
        assert_eq!(detect_texts(psf), ["PSF-2.0"]);
        assert_eq!(
            detect_texts("placed in the public domain"),
            ["public-domain"]
        );
    }

    #[test]
    fn distilled_records_round_trip_and_raw_bytes_are_distilled() {
        let d = distill(DEP5.as_bytes());
        assert!(d.len() < 80, "{}", String::from_utf8_lossy(&d));
        assert_eq!(read_distilled(&d), copyright_licenses(DEP5.as_bytes()));
        assert_eq!(
            read_distilled(DEP5.as_bytes()),
            copyright_licenses(DEP5.as_bytes())
        );
        // Not UTF-8, no licence: nothing, no panic.
        assert_eq!(
            read_distilled(&[0xff, 0xfe, 0x00]),
            (LicenseAcknowledgement::Concluded, vec![])
        );
    }
}
