#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The SBOM writers against the official schemas (CycloneDX 1.6, SPDX 3.0.1), determinism, and
//! snapshot checks of key fields on a fixed `Sbom`.

use std::collections::BTreeMap;

use serde_json::Value;
use stella_core::{Digest, Timestamp};
use stella_scan::sbom::{WriteOptions, cyclonedx, spdx};
use stella_scan::{
    Evidence, Hash, HashAlgorithm, ImageInfo, LicenseAcknowledgement, OsRelease, Package,
    PackageKind, Party, Sbom, SourcePackage,
};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/schemas");

fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SCHEMAS}/{rel}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn pkg(name: &str, version: &str, kind: PackageKind, purl: &str, licenses: &[&str]) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        kind,
        purl: purl.into(),
        licenses: licenses.iter().map(|s| s.to_string()).collect(),
        cpes: vec![format!("cpe:2.3:a:{name}:{name}:{version}:*:*:*:*:*:*:*")],
        source: None,
        evidence: vec![Evidence {
            path: "var/lib/dpkg/status".into(),
            layer: Some(Digest::of(b"layer1")),
        }],
        files: vec![],
        dependencies: vec![],
        cataloger: "test".into(),
        metadata: BTreeMap::new(),
        license_acknowledgement: Default::default(),
        supplier: None,
        authors: vec![],
        hashes: vec![],
    }
}

/// The SBOM the writer tests write.
pub fn fixture() -> Sbom {
    let mut curl = pkg(
        "curl",
        "7.88.1-10+deb12u5",
        PackageKind::Deb,
        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12",
        &[],
    );
    curl.files = vec!["usr/bin/curl".into(), "usr/share/doc/curl/copyright".into()];
    curl.dependencies = vec!["libc6".into()];
    curl.source = Some(SourcePackage {
        name: "curl".into(),
        version: "7.88.1-10+deb12u5".into(),
    });
    curl.metadata.insert("architecture".into(), "amd64".into());
    curl.licenses = vec!["curl".into()];
    curl.license_acknowledgement = LicenseAcknowledgement::Concluded;
    curl.supplier = Party::parse("Alessandro Ghedini <ghedo@debian.org>");
    let mut libc = pkg(
        "libc6",
        "2.36-9+deb12u4",
        PackageKind::Deb,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
        &[],
    );
    libc.files = vec!["lib/x86_64-linux-gnu/libc.so.6".into()];
    let mut requests = pkg(
        "requests",
        "2.31.0",
        PackageKind::Python,
        "pkg:pypi/requests@2.31.0",
        &["Apache 2.0"],
    );
    requests.evidence = vec![Evidence {
        path: "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA".into(),
        layer: Some(Digest::of(b"layer2")),
    }];
    requests.dependencies = vec!["pkg:pypi/urllib3@2.0.7".into()];
    let mut urllib3 = pkg(
        "urllib3",
        "2.0.7",
        PackageKind::Python,
        "pkg:pypi/urllib3@2.0.7",
        &["MIT"],
    );
    urllib3.evidence[0].path =
        "usr/lib/python3/dist-packages/urllib3-2.0.7.dist-info/METADATA".into();
    let mut lodash = pkg(
        "lodash",
        "4.17.21",
        PackageKind::Npm,
        "pkg:npm/lodash@4.17.21",
        &["MIT OR Apache-2.0", "ISC"],
    );
    lodash.evidence[0].path = "app/node_modules/lodash/package.json".into();
    lodash.authors = vec![Party::parse("John-David Dalton <john.david.dalton@gmail.com>").unwrap()];
    lodash.supplier = lodash.authors.first().cloned();
    lodash.hashes = vec![Hash::new(HashAlgorithm::Sha512, &[7u8; 64]).unwrap()];
    // Same purl twice (two copies in different node_modules): bom-refs must stay unique.
    let mut lodash2 = lodash.clone();
    lodash2.evidence[0].path = "app/node_modules/x/node_modules/lodash/package.json".into();
    lodash2.licenses = vec!["LicenseRef-custom".into()];
    Sbom {
        image: ImageInfo {
            name: "example/app:1".into(),
            manifest_digest: Some(Digest::of(b"manifest")),
            config_digest: Some(Digest::of(b"config")),
            platform: Some("linux/amd64".into()),
            layers: vec![Digest::of(b"layer1"), Digest::of(b"layer2")],
            repository_url: Some("registry.example/example/app".into()),
        },
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            version_codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: vec![],
        }),
        // deliberately unsorted: the writers sort
        packages: vec![urllib3, lodash2, curl, requests, libc, lodash],
        catalogers: vec![("dpkg".into(), "1".into()), ("python".into(), "1".into())],
        notes: vec!["java: cannot parse app/x.jar: test".into()],
        scanner_version: "0.1.0".into(),
    }
}

fn options() -> WriteOptions {
    WriteOptions {
        timestamp: Timestamp::parse_rfc3339("2026-01-02T03:04:05.678Z").unwrap(),
        tool_name: "stella".into(),
        tool_version: "0.1.0".into(),
    }
}

fn validate_cyclonedx(doc: &Value) {
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
    let schema = load("cyclonedx-1.6/bom-1.6.schema.json");
    let validator = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "CycloneDX schema errors: {errors:#?}");
}

fn validate_spdx(doc: &Value) {
    let schema = load("spdx-3.0.1/spdx-json-schema.json");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(20)
        .collect();
    assert!(errors.is_empty(), "SPDX schema errors: {errors:#?}");
}

#[test]
fn cyclonedx_validates_against_the_1_6_schema() {
    let bytes = cyclonedx::write(&fixture(), &options()).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    validate_cyclonedx(&doc);
}

#[test]
fn cyclonedx_schema_check_catches_a_non_spdx_license_id() {
    // The validator really checks: a free-text licence in `license.id` (trivy 0.69.3's bug)
    // must fail.
    let bytes = cyclonedx::write(&fixture(), &options()).unwrap();
    let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
    doc["components"][1]["licenses"] = serde_json::json!([{"license": {"id": "Apache 2.0"}}]);
    let result = std::panic::catch_unwind(|| validate_cyclonedx(&doc));
    assert!(result.is_err());
}

#[test]
fn spdx_validates_against_the_3_0_1_schema() {
    let bytes = spdx::write(&fixture(), &options()).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    validate_spdx(&doc);
}

#[test]
fn writers_are_deterministic_and_order_independent() {
    let a = fixture();
    let mut b = fixture();
    b.packages.reverse();
    let o = options();
    assert_eq!(
        cyclonedx::write(&a, &o).unwrap(),
        cyclonedx::write(&b, &o).unwrap()
    );
    assert_eq!(spdx::write(&a, &o).unwrap(), spdx::write(&b, &o).unwrap());
}

#[test]
fn cyclonedx_snapshot_of_key_fields() {
    let bytes = cyclonedx::write(&fixture(), &options()).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    // UUID v5 of manifest + config digest: fixed for this fixture, never random.
    let serial = doc["serialNumber"].as_str().unwrap();
    assert!(serial.starts_with("urn:uuid:"));
    assert_eq!(serial.as_bytes()[23], b'5', "UUID version 5: {serial}");
    assert_eq!(doc["metadata"]["timestamp"], "2026-01-02T03:04:05Z");
    assert_eq!(doc["metadata"]["component"]["type"], "container");
    assert_eq!(
        doc["metadata"]["component"]["version"],
        Digest::of(b"manifest").to_string()
    );
    let comps = doc["components"].as_array().unwrap();
    let names: Vec<&str> = comps.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "debian", "curl", "libc6", "lodash", "lodash", "requests", "urllib3"
        ]
    );
    assert_eq!(comps[0]["type"], "operating-system");
    let refs: Vec<&str> = comps[1..]
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<_> = refs.iter().collect();
    assert_eq!(unique.len(), refs.len());
    // licences: SPDX id, expression, free text as name — never free text in id
    assert_eq!(
        comps[6]["licenses"],
        serde_json::json!([{"license": {"id": "MIT", "acknowledgement": "declared"}}])
    );
    assert_eq!(
        comps[5]["licenses"],
        serde_json::json!([{"license": {"name": "Apache 2.0", "acknowledgement": "declared"}}])
    );
    assert_eq!(
        comps[3]["licenses"],
        serde_json::json!([{"expression": "(MIT OR Apache-2.0) AND (ISC)", "acknowledgement": "declared"}])
    );
    // A licence the scanner concluded from a text says so; `curl` is an SPDX id.
    assert_eq!(
        comps[1]["licenses"],
        serde_json::json!([{"license": {"id": "curl", "acknowledgement": "concluded"}}])
    );
    // NTIA supplier and authors, the artifact hash, CPEs marked as generated.
    assert_eq!(
        comps[1]["supplier"],
        serde_json::json!({"name": "Alessandro Ghedini", "contact": [{"email": "ghedo@debian.org"}]})
    );
    assert_eq!(
        comps[3]["authors"],
        serde_json::json!([{"name": "John-David Dalton", "email": "john.david.dalton@gmail.com"}])
    );
    assert_eq!(comps[3]["hashes"][0]["alg"], "SHA-512");
    assert_eq!(comps[3]["hashes"][0]["content"], "07".repeat(64));
    assert!(comps[2].get("supplier").is_none());
    for c in &comps[1..] {
        let props = c["properties"].as_array().unwrap();
        assert!(
            props
                .iter()
                .any(|p| p["name"] == "stella:cpe_source" && p["value"] == "generated"),
            "{c}"
        );
    }
    // The image: its name as given, a pkg:oci purl with where it came from.
    assert_eq!(doc["metadata"]["component"]["name"], "example/app:1");
    assert_eq!(
        doc["metadata"]["component"]["purl"],
        format!(
            "pkg:oci/app@sha256:{}?arch=amd64&repository_url=registry.example%2Fexample%2Fapp&tag=1",
            Digest::of(b"manifest").hex()
        )
    );
    assert_eq!(
        comps[1]["evidence"]["occurrences"][0]["additionalContext"],
        format!("layer {}", Digest::of(b"layer1"))
    );
    let deps = doc["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[0]["ref"], comps[1]["bom-ref"]);
    assert_eq!(
        deps[0]["dependsOn"],
        serde_json::json!([comps[2]["bom-ref"]])
    );
}

#[test]
fn spdx_snapshot_of_key_fields() {
    let bytes = spdx::write(&fixture(), &options()).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["@context"], spdx::CONTEXT);
    let graph = doc["@graph"].as_array().unwrap();
    assert_eq!(graph[0]["type"], "CreationInfo");
    assert_eq!(graph[0]["created"], "2026-01-02T03:04:05Z");
    let of_type = |t: &str| graph.iter().filter(|n| n["type"] == t).count();
    assert_eq!(of_type("software_Package"), 8); // image + os + 6 packages
    assert_eq!(of_type("software_File"), 8);
    assert_eq!(of_type("SpdxDocument"), 1);
    assert_eq!(of_type("software_Sbom"), 1);
    let rels: Vec<&Value> = graph
        .iter()
        .filter(|n| n["type"] == "Relationship")
        .collect();
    let count = |t: &str| rels.iter().filter(|r| r["relationshipType"] == t).count();
    assert_eq!(count("dependsOn"), 2);
    assert_eq!(count("contains"), 7);
    assert!(count("hasDeclaredLicense") >= 3);
    // curl's licence was concluded from a text, so it is a concluded licence.
    assert_eq!(count("hasConcludedLicense"), 1);
    // Suppliers and authors are agents: curl's maintainer and lodash's author (one agent for
    // both of lodash's roles), referenced by suppliedBy / originatedBy.
    assert_eq!(of_type("Agent"), 2);
    let lodash = graph
        .iter()
        .find(|n| n["name"] == "lodash" && n["suppliedBy"].is_string())
        .unwrap();
    assert_eq!(lodash["originatedBy"][0], lodash["suppliedBy"]);
    assert_eq!(lodash["verifiedUsing"][0]["algorithm"], "sha512");
    let image = graph
        .iter()
        .find(|n| n["software_primaryPurpose"] == "container")
        .unwrap();
    assert!(
        image["software_packageUrl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:oci/app@sha256:")
    );
    // every reference points at an element in the graph
    let ids: std::collections::BTreeSet<&str> =
        graph.iter().filter_map(|n| n["spdxId"].as_str()).collect();
    for r in &rels {
        assert!(ids.contains(r["from"].as_str().unwrap()));
        for t in r["to"].as_array().unwrap() {
            assert!(ids.contains(t.as_str().unwrap()));
        }
    }
    // sorted by spdxId after the creation info
    let order: Vec<&str> = graph[1..]
        .iter()
        .map(|n| n["spdxId"].as_str().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn rootfs_sbom_without_digests_still_has_a_content_serial() {
    let mut a = fixture();
    a.image.manifest_digest = None;
    a.image.config_digest = None;
    let one = cyclonedx::write(&a, &options()).unwrap();
    a.packages.pop();
    let two = cyclonedx::write(&a, &options()).unwrap();
    let serial = |b: &[u8]| {
        let v: Value = serde_json::from_slice(b).unwrap();
        v["serialNumber"].as_str().unwrap().to_owned()
    };
    assert_ne!(serial(&one), serial(&two));
    validate_cyclonedx(&serde_json::from_slice(&one).unwrap());
    validate_spdx(&serde_json::from_slice(&spdx::write(&a, &options()).unwrap()).unwrap());
}

#[test]
fn spdx_schema_check_catches_a_wrong_context_and_a_bad_date() {
    let bytes = spdx::write(&fixture(), &options()).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let mut bad = doc.clone();
    bad["@context"] = "https://spdx.org/rdf/3.0.0/spdx-context.jsonld".into();
    assert!(std::panic::catch_unwind(|| validate_spdx(&bad)).is_err());
    let mut bad = doc;
    bad["@graph"][0]["created"] = "2026-01-02T03:04:05.678Z".into();
    assert!(std::panic::catch_unwind(|| validate_spdx(&bad)).is_err());
}

/// Byte snapshots of both writers on the fixed `Sbom` (timestamps come from the options, not
/// redacted). Regenerate with `STELLA_UPDATE_SNAPSHOTS=1 cargo test -p stella-scan --test
/// sbom_writers` and review the diff.
#[test]
fn byte_snapshots_of_both_writers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots");
    for (name, bytes) in [
        (
            "sbom_writers.cdx.json",
            cyclonedx::write(&fixture(), &options()).unwrap(),
        ),
        (
            "sbom_writers.spdx.json",
            spdx::write(&fixture(), &options()).unwrap(),
        ),
    ] {
        let path = format!("{dir}/{name}");
        if std::env::var_os("STELLA_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let want = std::fs::read(&path).unwrap();
        assert!(
            want == bytes,
            "{name} differs from the snapshot; rerun with STELLA_UPDATE_SNAPSHOTS=1 and review"
        );
    }
}
