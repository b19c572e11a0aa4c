//! Fixtures shared by the benchmarks: generated documents of realistic shape, so no benchmark
//! needs a large file committed.

use serde::Serialize;

/// A CycloneDX-like SBOM, with struct fields in declaration (not sorted) order, as real typed
/// documents are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomLike {
    /// Format marker.
    pub bom_format: &'static str,
    /// Spec version.
    pub spec_version: &'static str,
    /// Serial number.
    pub serial_number: String,
    /// Document version.
    pub version: u32,
    /// Components.
    pub components: Vec<ComponentLike>,
    /// Dependency graph.
    pub dependencies: Vec<DependencyLike>,
}

/// One component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentLike {
    /// Component type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Reference id.
    #[serde(rename = "bom-ref")]
    pub bom_ref: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Package URL.
    pub purl: String,
    /// Licenses.
    pub licenses: Vec<serde_json::Value>,
    /// Hashes.
    pub hashes: Vec<HashLike>,
    /// Properties.
    pub properties: Vec<PropertyLike>,
    /// A floating-point score, to exercise number formatting.
    pub score: f64,
    /// Size in bytes.
    pub size: u64,
}

/// A hash.
#[derive(Debug, Clone, Serialize)]
pub struct HashLike {
    /// Algorithm.
    pub alg: &'static str,
    /// Hex content.
    pub content: String,
}

/// A name/value property.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyLike {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A dependency edge list.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyLike {
    /// The component.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it depends on.
    pub depends_on: Vec<String>,
}

/// Generates an SBOM-like document whose compact JSON is about `target_bytes` long.
pub fn sbom_like(target_bytes: usize) -> SbomLike {
    // One component serializes to roughly 900 bytes.
    let count = (target_bytes / 900).max(1);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let components: Vec<ComponentLike> = (0..count)
        .map(|i| {
            let name = format!("lib{}-{}", ["ssl", "xml2", "z", "curl", "ffi"][i % 5], i);
            let version = format!("{}.{}.{}-{}", next() % 10, next() % 40, next() % 100, i % 7);
            ComponentLike {
                kind: "library",
                bom_ref: format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
                purl: format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
                name,
                version,
                licenses: vec![serde_json::json!({"license": {"id": "MIT"}})],
                hashes: vec![HashLike {
                    alg: "SHA-256",
                    content: format!(
                        "{:016x}{:016x}{:016x}{:016x}",
                        next(),
                        next(),
                        next(),
                        next()
                    ),
                }],
                properties: vec![
                    PropertyLike {
                        name: "stella:layer".into(),
                        value: format!("sha256:{:016x}{:016x}", next(), next()),
                    },
                    PropertyLike {
                        name: "stella:path".into(),
                        value: format!("usr/share/doc/pkg{i}/copyright \u{e9}t\u{e9} \"q\""),
                    },
                ],
                #[allow(clippy::cast_precision_loss)]
                score: (next() % 100_000) as f64 / 997.0,
                size: next() % 10_000_000,
            }
        })
        .collect();
    let dependencies = components
        .iter()
        .enumerate()
        .map(|(i, c)| DependencyLike {
            reference: c.bom_ref.clone(),
            depends_on: components
                .iter()
                .skip(i + 1)
                .take(3)
                .map(|d| d.bom_ref.clone())
                .collect(),
        })
        .collect();
    SbomLike {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79".into(),
        version: 1,
        components,
        dependencies,
    }
}

/// Every file under `dir` (recursively), sorted: the record sets the vulnerability benchmarks
/// read.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}
