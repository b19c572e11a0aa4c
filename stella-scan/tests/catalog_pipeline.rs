#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Every default cataloger through the public two-phase contract (wants → extract → catalog),
//! as the walker drives it, over a small image tree written in code; the resulting SBOM
//! validates against the CycloneDX 1.6 and SPDX 3.0.1 schemas.

use std::io::Write;

use serde_json::Value;
use stella_core::{Digest, Timestamp};
use stella_scan::catalog::{default_catalogers, os_release};
use stella_scan::sbom::{WriteOptions, cyclonedx, spdx};
use stella_scan::{CatalogContext, CatalogInput, ExtractedFile, ImageInfo, Package, Sbom};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/schemas");

fn load(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{SCHEMAS}/{rel}")).unwrap()).unwrap()
}

fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An ELF object with a Go 1.18+ `.go.buildinfo` section.
fn go_binary() -> Vec<u8> {
    fn put(out: &mut Vec<u8>, s: &[u8]) {
        let mut n = s.len() as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(s);
    }
    let mut blob = b"\xff Go buildinf:".to_vec();
    blob.extend([8, 2]);
    blob.resize(32, 0);
    put(&mut blob, b"go1.22.5");
    let mut framed = hex::decode("3077af0c9274080241e1c107e6d618e6").unwrap();
    framed.extend_from_slice(
        b"path\texample.com/tool\nmod\texample.com/tool\tv0.3.0\th1:x=\ndep\tgithub.com/spf13/cobra\tv1.8.0\th1:y=\n",
    );
    framed.extend(hex::decode("f932433186182072008242104116d8f2").unwrap());
    put(&mut blob, &framed);
    use object::write::Object;
    use object::{Architecture, BinaryFormat, Endianness, SectionKind};
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let id = obj.add_section(Vec::new(), b".go.buildinfo".to_vec(), SectionKind::Data);
    obj.append_section_data(id, &blob, 16);
    obj.write().unwrap()
}

/// (path, mode, contents) of a small image; every file in layer 1.
fn tree() -> Vec<(String, u32, Vec<u8>)> {
    let f = |p: &str, m: u32, d: &[u8]| (p.to_owned(), m, d.to_vec());
    vec![
        f("etc/os-release", 0o644, b"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
        f("var/lib/dpkg/status", 0o644, b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u4\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\nPre-Depends: libc6 (>= 2.36)\n"),
        f("var/lib/dpkg/info/bash.list", 0o644, b"/.\n/bin\n/bin/bash\n"),
        f("lib/apk/db/installed", 0o644, b"P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\n"),
        f("usr/local/lib/python3.11/dist-packages/Jinja2-3.1.2.dist-info/METADATA", 0o644, b"Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\nLicense: BSD-3-Clause\nRequires-Dist: MarkupSafe (>=2.0)\n"),
        f("usr/local/lib/python3.11/dist-packages/MarkupSafe-2.1.3.dist-info/METADATA", 0o644, b"Metadata-Version: 2.1\nName: MarkupSafe\nVersion: 2.1.3\nLicense: BSD-3-Clause\n"),
        f("app/node_modules/lodash/package.json", 0o644, br#"{"name":"lodash","version":"4.17.20","license":"MIT"}"#),
        f("app/package-lock.json", 0o644, br#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"lodash":"^4"}},"node_modules/lodash":{"version":"4.17.20"}}}"#),
        f("usr/local/bin/tool", 0o755, &go_binary()),
        f("usr/bin/script", 0o755, b"#!/bin/sh\necho hi\n"),
        f("opt/app/lib/log4j-core-2.14.1.jar", 0o644, &jar(&[(
            "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
            b"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n",
        )])),
        f("usr/share/doc/readme.txt", 0o644, b"not metadata"),
    ]
}

fn scan() -> Sbom {
    let layer = Digest::of(b"layer-1");
    let files = tree();
    let catalogers = default_catalogers();
    let os = files
        .iter()
        .find(|(p, _, _)| os_release::PATHS.contains(&p.as_str()))
        .map(|(_, _, d)| os_release::parse(d).unwrap());
    let context = CatalogContext { os: os.clone() };
    let paths: Vec<&str> = files.iter().map(|(p, _, _)| p.as_str()).collect();
    let exists = |p: &str| {
        paths
            .iter()
            .any(|q| *q == p || q.starts_with(&format!("{p}/")))
    };
    let mut packages: Vec<Package> = Vec::new();
    for c in &catalogers {
        let mut extracted: Vec<ExtractedFile> = files
            .iter()
            .filter(|(p, m, d)| c.wants(p, *m, d.len() as u64))
            .filter_map(|(p, m, d)| {
                c.extract(p, d).unwrap().map(|data| ExtractedFile {
                    path: p.clone(),
                    layer: Some(layer),
                    mode: *m,
                    data: data.into(),
                })
            })
            .collect();
        extracted.sort_by(|a, b| a.path.cmp(&b.path));
        let input = CatalogInput {
            files: &extracted,
            context: &context,
            exists: &exists,
        };
        packages.extend(c.catalog(&input).unwrap());
    }
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Sbom {
        image: ImageInfo {
            name: "pipeline-test".into(),
            manifest_digest: Some(Digest::of(b"m")),
            config_digest: Some(Digest::of(b"c")),
            platform: Some("linux/amd64".into()),
            layers: vec![layer],
            repository_url: None,
        },
        os,
        packages,
        catalogers: catalogers
            .iter()
            .map(|c| (c.name().to_owned(), c.version().to_owned()))
            .collect(),
        notes: vec![],
        scanner_version: "0.1.0".into(),
    }
}

#[test]
fn default_catalogers_have_unique_sorted_names_and_versions() {
    let cs = default_catalogers();
    let names: Vec<&str> = cs.iter().map(|c| c.name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 8);
    assert!(cs.iter().all(|c| !c.version().is_empty()));
}

#[test]
fn every_cataloger_finds_its_packages_through_the_contract() {
    let sbom = scan();
    let mut got: Vec<(String, String)> = sbom
        .packages
        .iter()
        .map(|p| (p.cataloger.clone(), p.purl.clone()))
        .collect();
    got.sort();
    let want = [
        (
            "apk",
            "pkg:apk/debian/musl@1.2.5-r0?arch=x86_64&distro=debian-12",
        ),
        (
            "dpkg",
            "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12",
        ),
        (
            "dpkg",
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
        ),
        ("go-binary", "pkg:golang/example.com/tool@v0.3.0"),
        ("go-binary", "pkg:golang/github.com/spf13/cobra@v1.8.0"),
        ("go-binary", "pkg:golang/stdlib@v1.22.5"),
        (
            "java-archive",
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        ),
        ("npm", "pkg:npm/app@1.0.0"),
        ("npm", "pkg:npm/lodash@4.17.20"),
        ("python", "pkg:pypi/jinja2@3.1.2"),
        ("python", "pkg:pypi/markupsafe@2.1.3"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    let bash = sbom.packages.iter().find(|p| p.name == "bash").unwrap();
    assert_eq!(bash.files, ["bin/bash"]);
    assert_eq!(bash.dependencies, ["libc6"]);
    let jinja = sbom.packages.iter().find(|p| p.name == "Jinja2").unwrap();
    assert_eq!(jinja.dependencies, ["pkg:pypi/markupsafe@2.1.3"]);
    assert!(sbom.packages.iter().all(|p| {
        p.evidence
            .iter()
            .all(|e| e.layer == Some(Digest::of(b"layer-1")))
    }));
}

#[test]
fn the_scanned_sbom_validates_against_both_schemas() {
    let sbom = scan();
    let opts = WriteOptions {
        timestamp: Timestamp::parse_rfc3339("2026-03-04T05:06:07Z").unwrap(),
        tool_name: "stella".into(),
        tool_version: "0.1.0".into(),
    };
    let cdx: Value = serde_json::from_slice(&cyclonedx::write(&sbom, &opts).unwrap()).unwrap();
    let base = "http://cyclonedx.org/schema/";
    let registry = jsonschema::Registry::new()
        .add(
            format!("{base}spdx.schema.json"),
            load("cyclonedx-1.6/spdx.schema.json"),
        )
        .unwrap()
        .add(
            format!("{base}jsf-0.82.schema.json"),
            load("cyclonedx-1.6/jsf-0.82.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let v = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load("cyclonedx-1.6/bom-1.6.schema.json"))
        .unwrap();
    let errors: Vec<String> = v.iter_errors(&cdx).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(cdx["components"].as_array().unwrap().len(), 12); // OS + 11 packages

    let doc: Value = serde_json::from_slice(&spdx::write(&sbom, &opts).unwrap()).unwrap();
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&load("spdx-3.0.1/spdx-json-schema.json"))
        .unwrap();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| e.to_string())
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
