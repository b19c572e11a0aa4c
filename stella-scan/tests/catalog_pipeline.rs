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

// ---- CycloneDX XML and SPDX 2.3 outputs, and reading every output back (issue 21, formats) ----

/// Validates an XML document with `xmllint --schema` against the official CycloneDX 1.6 XSD
/// (a temporary copy whose `spdx` import points at the local `spdx.xsd`). Needs Debian's
/// `libxml2-utils` (installed by `.ci/run`).
fn xmllint_cyclonedx(xml: &[u8]) -> Result<(), String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "stella-xsd-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let xsd = std::fs::read_to_string(format!("{SCHEMAS}/cyclonedx-1.6/bom-1.6.xsd")).unwrap();
    let from = r#"schemaLocation="http://cyclonedx.org/schema/spdx""#;
    assert!(xsd.contains(from));
    std::fs::write(
        dir.join("bom-1.6.xsd"),
        xsd.replace(from, r#"schemaLocation="spdx.xsd""#),
    )
    .unwrap();
    std::fs::copy(
        format!("{SCHEMAS}/cyclonedx-1.6/spdx.xsd"),
        dir.join("spdx.xsd"),
    )
    .unwrap();
    std::fs::write(dir.join("bom.xml"), xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", "bom-1.6.xsd", "bom.xml"])
        .current_dir(&dir)
        .output()
        .expect("xmllint (Debian libxml2-utils) must be installed: apt-get install libxml2-utils");
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn formats_options() -> WriteOptions {
    WriteOptions {
        timestamp: Timestamp::parse_rfc3339("2026-03-04T05:06:07Z").unwrap(),
        tool_name: "stella".into(),
        tool_version: "0.1.0".into(),
    }
}

#[test]
fn the_scanned_sbom_as_cyclonedx_xml_validates_against_the_xsd() {
    use stella_scan::sbom::cyclonedx_xml;
    let sbom = scan();
    let xml = cyclonedx_xml::write(&sbom, &formats_options()).unwrap();
    assert_eq!(
        xml,
        cyclonedx_xml::write(&sbom, &formats_options()).unwrap()
    );
    xmllint_cyclonedx(&xml).unwrap();
    // The validator really checks: a bad hash algorithm, a component without a name.
    let text = String::from_utf8(xml).unwrap();
    let bad = text.replacen(r#"<hash alg="SHA-256">"#, r#"<hash alg="SHA-999">"#, 1);
    assert_ne!(bad, text);
    assert!(xmllint_cyclonedx(bad.as_bytes()).is_err());
    let bad = text
        .replacen("<name>", "<nom>", 1)
        .replacen("</name>", "</nom>", 1);
    assert!(xmllint_cyclonedx(bad.as_bytes()).is_err());
}

#[test]
fn every_field_the_xml_mapping_knows_validates_against_the_xsd() {
    // A CycloneDX JSON document with the fields a richer writer adds (supplier, authors,
    // hashes, licences with acknowledgement, external references, legacy and new tools):
    // its XML must validate too, so those fields reach XML as soon as the JSON writer has
    // them.
    let doc = serde_json::json!({
      "bomFormat": "CycloneDX", "specVersion": "1.6",
      "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1,
      "metadata": {
        "timestamp": "2026-01-01T00:00:00Z",
        "lifecycles": [{"phase": "operations"}],
        "tools": {"components": [{"type": "application", "name": "stella", "version": "0.1.0"}]},
        "authors": [{"name": "A", "email": "a@example.com"}],
        "component": {"type": "container", "bom-ref": "image", "name": "registry.example/app",
          "version": "sha256:00", "purl": "pkg:oci/app@sha256%3A00?repository_url=registry.example/app"},
        "supplier": {"name": "Example", "url": ["https://example.com"], "contact": [{"name": "Ops"}]},
        "licenses": [{"license": {"id": "CC0-1.0"}}],
        "properties": [{"name": "k", "value": "v"}]
      },
      "components": [{
        "type": "library", "bom-ref": "pkg:deb/debian/curl@7.88.1", "supplier": {"name": "Debian"},
        "authors": [{"name": "Alessandro Ghedini", "email": "ghedo@debian.org"}],
        "publisher": "Debian", "group": "g", "name": "curl", "version": "7.88.1",
        "description": "d", "scope": "required",
        "hashes": [{"alg": "MD5", "content": "d41d8cd98f00b204e9800998ecf8427e"},
                   {"alg": "SHA-256", "content": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}],
        "licenses": [{"license": {"id": "curl", "acknowledgement": "declared"}},
                     {"license": {"name": "Some licence", "acknowledgement": "concluded",
                        "text": {"content": "text", "contentType": "text/plain"}, "url": "https://example.com/l"}}],
        "copyright": "c", "cpe": "cpe:2.3:a:haxx:curl:7.88.1:*:*:*:*:*:*:*",
        "purl": "pkg:deb/debian/curl@7.88.1?arch=amd64",
        "omniborId": ["gitoid:blob:sha1:261eeb9e9f8b2b4b0d119366dda99c6fd7d35c64"],
        "swhid": ["swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2"],
        "modified": false,
        "externalReferences": [{"type": "vcs", "url": "https://example.com/curl.git",
          "hashes": [{"alg": "SHA-1", "content": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}],
        "properties": [{"name": "stella:cataloger", "value": "dpkg"}],
        "components": [{"type": "file", "name": "usr/bin/curl"}],
        "evidence": {"occurrences": [{"location": "var/lib/dpkg/status", "line": 3,
          "additionalContext": "layer sha256:00"}]}
      }, {"type": "library", "name": "x", "licenses": [{"expression": "MIT OR Apache-2.0", "acknowledgement": "declared"}]}],
      "externalReferences": [{"type": "website", "url": "https://example.com"}],
      "dependencies": [{"ref": "pkg:deb/debian/curl@7.88.1", "dependsOn": []}],
      "properties": [{"name": "a", "value": "b"}]
    });
    let xml = stella_scan::sbom::cyclonedx_xml::from_json(&doc).unwrap();
    xmllint_cyclonedx(&xml).unwrap();
    // ... and the reader maps it back to the same JSON.
    let input = stella_scan::sbom_input::read_sbom(&xml).unwrap();
    assert_eq!(input.packages.len(), 1); // `x` and the nested file have no purl
    assert_eq!(
        input.skipped,
        vec!["usr/bin/curl".to_owned(), "x".to_owned()]
    );
    assert!(input.warnings.is_empty(), "{:?}", input.warnings);
    let mut legacy = doc.clone();
    legacy["metadata"]["tools"] = serde_json::json!([{"vendor": "v", "name": "t", "version": "1"}]);
    xmllint_cyclonedx(&stella_scan::sbom::cyclonedx_xml::from_json(&legacy).unwrap()).unwrap();
}

#[test]
fn the_scanned_sbom_as_spdx_2_3_validates_against_its_schema() {
    use stella_scan::sbom::spdx23;
    let sbom = scan();
    let bytes = spdx23::write(&sbom, &formats_options()).unwrap();
    assert_eq!(bytes, spdx23::write(&sbom, &formats_options()).unwrap());
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&load("spdx-2.3/spdx-schema.json"))
        .unwrap();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // image + OS + every package
    assert_eq!(
        doc["packages"].as_array().unwrap().len(),
        sbom.packages.len() + 2
    );
    // The validator really checks.
    let mut bad = doc.clone();
    bad["packages"][0]["SPDXID"] = "not an SPDXRef".into();
    assert!(!v.is_valid(&bad));
}

#[test]
fn every_output_reads_back_to_the_same_packages() {
    use stella_scan::sbom::{cyclonedx_xml, spdx23};
    use stella_scan::sbom_input::{SbomFormat, read_sbom};
    let sbom = scan();
    let o = formats_options();
    // What matching uses: kind, name, version, purl, source package.
    let key = |ps: &[Package]| {
        let mut v: Vec<String> = ps
            .iter()
            .map(|p| {
                format!(
                    "{:?} {} {} {} {:?}",
                    p.kind, p.name, p.version, p.purl, p.source
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let want = key(&sbom.packages);
    let json = read_sbom(&cyclonedx::write(&sbom, &o).unwrap()).unwrap();
    let xml = read_sbom(&cyclonedx_xml::write(&sbom, &o).unwrap()).unwrap();
    let s3 = read_sbom(&spdx::write(&sbom, &o).unwrap()).unwrap();
    let s23 = read_sbom(&spdx23::write(&sbom, &o).unwrap()).unwrap();
    assert_eq!(xml.format, SbomFormat::CycloneDxXml);
    assert_eq!(s23.format, SbomFormat::Spdx23);
    for (name, got) in [
        ("cdx-json", &json),
        ("cdx-xml", &xml),
        ("spdx3", &s3),
        ("spdx2.3", &s23),
    ] {
        assert_eq!(key(&got.packages), want, "{name}");
        assert_eq!(
            got.os.as_ref().map(|o| &o.id),
            sbom.os.as_ref().map(|o| &o.id),
            "{name}"
        );
        assert!(got.warnings.is_empty(), "{name}: {:?}", got.warnings);
    }
    // The CycloneDX encodings carry everything the findings show (evidence, cataloger):
    // JSON and XML read back identically.
    assert_eq!(xml.packages, json.packages);
    assert_eq!(xml.image_digest, json.image_digest);
    assert!(sbom.packages.iter().any(|p| p.source.is_some()));
    assert!(
        sbom.packages
            .iter()
            .any(|p| p.kind == stella_scan::PackageKind::GoModule)
    );
}
