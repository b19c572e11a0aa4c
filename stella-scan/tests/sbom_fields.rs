#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Issue 21 fields through the whole engine: Debian licences from `copyright` files (DEP-5 and
//! free text, through linked doc directories as the runtime resolves them, bounded), suppliers,
//! CPEs and npm integrity hashes, and the coverage `Quality` reports.

use stella_scan::engine::{ScanOptions, scan_image};
use stella_scan::sbom::quality::Quality;
use stella_scan::testing::{TestImage, TestLayer};
use stella_scan::{HashAlgorithm, LicenseAcknowledgement, Package, ScanLimits};

const STATUS: &[u8] = b"Package: zlib1g
Status: install ok installed
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1

Package: sed
Status: install ok installed
Maintainer: Clint Adams <clint@debian.org>
Architecture: amd64
Version: 4.9-1

Package: libgcc-s1
Status: install ok installed
Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
Architecture: amd64
Source: gcc-12
Version: 12.2.0-14

Package: escaper
Status: install ok installed
Maintainer: Mallory <m@example.org>
Architecture: amd64
Version: 1

Package: nodoc
Status: install ok installed
Maintainer: Nobody <n@example.org>
Architecture: all
Version: 1
";

const ZLIB_DEP5: &[u8] =
    b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zlib

Files: *
Copyright: 1995-2013 Jean-loup Gailly and Mark Adler
License: Zlib

Files: debian/*
Copyright: 2009 Mark Brown
License: GPL-2+ or Artistic

License: Zlib
 This software is provided 'as-is', without any express or implied
 warranty.
";

const SED_TEXT: &[u8] = b"This is the Debian GNU/Linux prepackaged version of GNU sed.

    This program is free software; you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation; either version 3, or (at your option)
    any later version.

On Debian GNU/Linux systems, the complete text of the GNU General
Public License can be found in `/usr/share/common-licenses/GPL-3'.
";

const GCC_TEXT: &[u8] = b"This is the Debian GNU/Linux prepackaged version of the GNU compiler
collection.

GCC is free software; you can redistribute it and/or modify it under
the terms of the GNU General Public License as published by the Free
Software Foundation; either version 3, or (at your option) any later
version.

On Debian GNU/Linux systems, the complete text of the GNU General Public
License is in `/usr/share/common-licenses/GPL-3'.
";

fn layers() -> TestImage {
    TestImage::new()
        .layer(
            TestLayer::new()
                .file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n")
                .file("var/lib/dpkg/status", STATUS)
                .file("usr/share/doc/zlib1g/copyright", ZLIB_DEP5)
                .file("usr/share/doc/sed/copyright", SED_TEXT)
                .file("usr/share/doc/gcc-12-base/copyright", GCC_TEXT)
                // Debian links a package's doc directory to its source's other package.
                .symlink("usr/share/doc/libgcc-s1", "gcc-12-base")
                // A link that climbs out of the root lands inside it, as the runtime resolves
                // it: `/../../usr/share/doc/sed` is `usr/share/doc/sed`.
                .symlink("usr/share/doc/escaper", "../../../../../usr/share/doc/sed"),
        )
        .layer(
            TestLayer::new()
                .file(
                    "app/node_modules/left-pad/package.json",
                    br#"{"name":"left-pad","version":"1.3.0","license":"WTFPL","author":{"name":"azer","email":"azer@roadbeats.com"},"_integrity":"sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEE2Jr4dwMSTRNTwR0Hy1OJqH9vd7aE/Kd6gDMaKWdMsJjw=="}"#,
                )
                .file(
                    "app/package-lock.json",
                    br#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"left-pad":"^1"}},"node_modules/left-pad":{"version":"1.3.0","integrity":"sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEE2Jr4dwMSTRNTwR0Hy1OJqH9vd7aE/Kd6gDMaKWdMsJjw==","license":"WTFPL"}}}"#,
                ),
        )
}

fn scan(image: &TestImage, limits: ScanLimits) -> stella_scan::Sbom {
    let built = image.build();
    scan_image(
        &built.source,
        &stella_scan::catalog::default_catalogers(),
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
    )
    .unwrap()
}

fn find<'a>(sbom: &'a stella_scan::Sbom, name: &str) -> &'a Package {
    sbom.packages.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn debian_licences_come_from_copyright_files_as_the_runtime_resolves_them() {
    let sbom = scan(&layers(), ScanLimits::default());
    let zlib = find(&sbom, "zlib1g");
    assert_eq!(
        zlib.licenses,
        ["GPL-2.0-or-later OR Artistic-1.0-Perl", "Zlib"]
    );
    assert_eq!(
        zlib.license_acknowledgement,
        LicenseAcknowledgement::Declared
    );
    let sed = find(&sbom, "sed");
    assert_eq!(sed.licenses, ["GPL-3.0-or-later"]);
    assert_eq!(
        sed.license_acknowledgement,
        LicenseAcknowledgement::Concluded
    );
    // Through the doc directory link to gcc-12-base's.
    let gcc = find(&sbom, "libgcc-s1");
    assert_eq!(gcc.licenses, ["GPL-3.0-or-later"]);
    // Through a link that climbs above the root: resolved inside it.
    assert_eq!(find(&sbom, "escaper").licenses, ["GPL-3.0-or-later"]);
    // No copyright file: no licence, nothing invented.
    assert!(find(&sbom, "nodoc").licenses.is_empty());
    // The maintainer is the supplier.
    let s = zlib.supplier.as_ref().unwrap();
    assert_eq!(
        (s.name.as_str(), s.email.as_deref()),
        ("Mark Brown", Some("broonie@debian.org"))
    );
    assert!(sbom.notes.is_empty(), "{:?}", sbom.notes);
}

#[test]
fn an_oversized_copyright_file_loses_its_licence_not_the_scan() {
    let big = vec![b'x'; 4096];
    let image = layers().layer(TestLayer::new().file("usr/share/doc/sed/copyright", &big));
    let limits = ScanLimits {
        max_file_bytes: 2048,
        ..ScanLimits::default()
    };
    let sbom = scan(&image, limits);
    assert!(find(&sbom, "sed").licenses.is_empty());
    assert_eq!(find(&sbom, "zlib1g").licenses.len(), 2);
    assert!(
        sbom.notes
            .iter()
            .any(|n| n.contains("usr/share/doc/sed/copyright") && n.contains("max_file_bytes")),
        "{:?}",
        sbom.notes
    );
}

#[test]
fn npm_supplier_author_cpe_and_integrity_hash() {
    let sbom = scan(&layers(), ScanLimits::default());
    let pad = find(&sbom, "left-pad");
    assert_eq!(pad.licenses, ["WTFPL"]);
    assert_eq!(pad.authors.len(), 1);
    assert_eq!(pad.authors[0].email.as_deref(), Some("azer@roadbeats.com"));
    assert_eq!(pad.supplier.as_ref().unwrap().name, "azer");
    assert_eq!(
        pad.cpes,
        ["cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:node.js:*:*"]
    );
    // The SRI digest, decoded to hex: the same bytes as base64 (no re-hashing).
    assert_eq!(pad.hashes.len(), 1);
    assert_eq!(pad.hashes[0].alg, HashAlgorithm::Sha512);
    assert_eq!(
        pad.hashes[0].hex,
        "5c8e4c3f354d0298c0ca1433a615fc06498ab0a5310f82ddc8adb8899790104d\
         89af87703124d1353c11d07cb5389a87f6f77b684fca77a80331a29674cb098f"
    );
}

#[test]
fn quality_counts_every_minimum_element() {
    let sbom = scan(&layers(), ScanLimits::default());
    let q = Quality::of(&sbom);
    // 5 debs, left-pad, and the lock's project `app`.
    assert_eq!(q.components, 7);
    assert_eq!(q.name, 7);
    assert_eq!(q.version, 7);
    assert_eq!(q.unique_id, 7);
    // Every deb has a maintainer, left-pad an author; `app` names nobody.
    assert_eq!(q.supplier, 6);
    // zlib1g, sed, libgcc-s1, escaper; left-pad.
    assert_eq!(q.licenses, 5);
    assert_eq!(q.hashes, 1);
    // app → left-pad is the only dependency edge.
    assert_eq!(q.relationships, 2);
    assert!(q.cpes >= 6);
    let text = q.render();
    assert!(text.contains("supplier"), "{text}");
}
