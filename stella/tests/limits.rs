#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The limits of `stella::limits` at their edges: exactly at a limit passes, one over fails with
//! the typed error naming it. (`scan.max_index_depth` and `scan.max_entries` at 100,000 are in
//! `stella-scan/tests/malicious_images.rs`.)

use std::io::Write;

use stella::limits::{FIXED_LIMITS, Limits};
use stella_attest::AttestError;
use stella_attest::dsse::{DsseError, Envelope, EnvelopeLimits};
use stella_core::canonical::{JsonLimits, canonicalize_with};
use stella_core::{CoreError, JsonError};
use stella_policy::{
    BuiltinOptions, Bundle, BundleError, BundleLimits, EvalError, EvalLimits, Gate, GateInput,
    GateOptions, PolicyError, builtin_bundle,
};
use stella_scan::engine::{ImageScan, ScanOptions, scan_image_detailed};
use stella_scan::testing::{TestImage, TestLayer};
use stella_scan::{ImageError, ScanError, ScanLimits};
use stella_vuln::VulnError;
use stella_vuln::import::{ImportLimits, ImportMode, Importer};

#[test]
fn the_fixed_limits_table_matches_the_code() {
    let actual: &[(&str, u64)] = &[
        (
            "stella_core::canonical::JsonLimits::MAX_DEPTH_CAP",
            JsonLimits::MAX_DEPTH_CAP as u64,
        ),
        (
            "stella_attest::keys::MAX_KEY_INPUT",
            stella_attest::keys::MAX_KEY_INPUT as u64,
        ),
        (
            "stella_attest::transparency::note::MAX_NOTE_BYTES",
            stella_attest::transparency::note::MAX_NOTE_BYTES as u64,
        ),
        (
            "stella_attest::transparency::note::MAX_SIGNATURES",
            stella_attest::transparency::note::MAX_SIGNATURES as u64,
        ),
        (
            "stella_attest::transparency::rekor::MAX_BODY_BYTES",
            stella_attest::transparency::rekor::MAX_BODY_BYTES as u64,
        ),
        (
            "stella_attest::transparency::bundle::MAX_BUNDLE_BYTES",
            stella_attest::transparency::bundle::MAX_BUNDLE_BYTES as u64,
        ),
        (
            "stella_scan::sbom_input::MAX_SBOM_BYTES",
            stella_scan::sbom_input::MAX_SBOM_BYTES as u64,
        ),
        (
            "stella_vuln::osv::MAX_RECORD_BYTES",
            stella_vuln::osv::MAX_RECORD_BYTES as u64,
        ),
        (
            "stella_vuln::snapshot::MAX_SNAPSHOT_BYTES",
            stella_vuln::snapshot::MAX_SNAPSHOT_BYTES as u64,
        ),
        (
            "stella_vuln::version::MAX_VERSION_LEN",
            stella_vuln::version::MAX_VERSION_LEN as u64,
        ),
        (
            "stella_scan::entrytrace::MAX_SCRIPT_BYTES",
            stella_scan::entrytrace::MAX_SCRIPT_BYTES as u64,
        ),
        (
            "stella_scan::entrytrace::MAX_CONFIG_BYTES",
            stella_scan::entrytrace::MAX_CONFIG_BYTES as u64,
        ),
        (
            "stella_scan::entrytrace::MAX_SHEBANG_LINE",
            stella_scan::entrytrace::MAX_SHEBANG_LINE as u64,
        ),
        (
            "stella_policy::input::MAX_INPUT_BYTES",
            stella_policy::input::MAX_INPUT_BYTES as u64,
        ),
        (
            "stella::image::MAX_METADATA_BYTES",
            stella::image::MAX_METADATA_BYTES,
        ),
        (
            "stella_scan::catalog::rpm::MAX_SQLITE_STEPS",
            stella_scan::catalog::rpm::MAX_SQLITE_STEPS,
        ),
        (
            "stella_scan::catalog::rpm::MAX_FILES_EXPANSION",
            stella_scan::catalog::rpm::MAX_FILES_EXPANSION as u64,
        ),
        (
            "stella::files::MAX_INPUT_BYTES",
            stella::files::MAX_INPUT_BYTES,
        ),
        (
            "stella_policy::input::MAX_CONTEXT_BYTES",
            stella_policy::input::MAX_CONTEXT_BYTES as u64,
        ),
        (
            "stella_policy::input::MAX_CONTEXT_DEPTH",
            stella_policy::input::MAX_CONTEXT_DEPTH as u64,
        ),
    ];
    assert_eq!(FIXED_LIMITS.len(), actual.len());
    for (fixed, (name, value)) in FIXED_LIMITS.iter().zip(actual) {
        assert_eq!((fixed.name, fixed.value), (*name, *value));
        assert!(!fixed.why.is_empty());
    }
}

#[test]
fn the_defaults_are_the_documented_ones() {
    let l = Limits::default();
    let s = &l.scan;
    assert_eq!(
        [
            s.max_layer_bytes,
            s.max_image_bytes,
            s.max_entries,
            s.max_file_bytes,
            s.max_path_bytes,
            s.max_path_depth,
            s.max_metadata_bytes,
            s.max_layers,
            s.max_index_depth,
            s.max_link_depth,
            s.max_tar_header_bytes,
            s.max_retained_bytes,
            s.max_archive_bytes,
            s.max_archive_entries,
            s.max_link_hops,
            s.max_alias_paths
        ],
        [
            16 << 30,
            64 << 30,
            4_000_000,
            64 << 20,
            4096,
            256,
            16 << 20,
            1024,
            8,
            40,
            1 << 20,
            1 << 30,
            2 << 30,
            4_000_000,
            16_000_000,
            4_000_000
        ]
    );
    assert_eq!((l.json.max_depth, l.json.max_bytes), (128, 256 << 20));
    assert_eq!(
        (
            l.vex.json.max_bytes,
            l.vex.json.max_depth,
            l.vex.max_statements,
            l.vex.max_products,
            l.vex.max_subcomponents
        ),
        (16 << 20, 32, 100_000, 10_000, 10_000)
    );
    assert_eq!(
        (l.envelope.max_bytes, l.envelope.max_signatures),
        (64 << 20, 32)
    );
    assert_eq!(
        (
            l.trace.max_files,
            l.trace.max_work,
            l.trace.max_link_depth,
            l.trace.max_interpreter_depth
        ),
        (200_000, 5_000_000, 40, 4)
    );
    assert_eq!(
        (l.import.max_entries, l.import.max_total_bytes),
        (2_000_000, 8 << 30)
    );
    assert_eq!(
        (l.eval.max_instructions, l.eval.max_time),
        (500_000_000, None)
    );
    assert_eq!(
        (
            l.bundle.max_files,
            l.bundle.max_module_bytes,
            l.bundle.max_data_bytes
        ),
        (1000, 1 << 20, 16 << 20)
    );
    assert_eq!(
        (l.bundle.max_archive_entries, l.bundle.max_archive_bytes),
        (10_000, 64 << 20)
    );
}

// ---------------------------------------------------------------------------------------------
// JSON and envelopes.

#[test]
fn json_depth_and_size_at_their_edges() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let limits = JsonLimits {
        max_depth: 5,
        ..JsonLimits::default()
    };
    assert!(canonicalize_with(nested(5).as_bytes(), &limits).is_ok());
    assert!(matches!(
        canonicalize_with(nested(6).as_bytes(), &limits),
        Err(CoreError::Json(JsonError::TooDeep { max_depth: 5, .. }))
    ));
    // Exactly 10 bytes passes, 11 fail.
    let limits = JsonLimits {
        max_bytes: 10,
        ..JsonLimits::default()
    };
    assert!(canonicalize_with(b"\"12345678\"", &limits).is_ok());
    assert!(matches!(
        canonicalize_with(b"\"123456789\"", &limits),
        Err(CoreError::Json(JsonError::TooLarge {
            length: 11,
            max_bytes: 10
        }))
    ));
}

#[test]
fn envelope_size_and_signature_count_at_their_edges() {
    let mut envelope = Envelope::from_parts("text/plain", b"hello".to_vec(), Vec::new());
    for i in 0..3u8 {
        envelope.add_signature_bytes(format!("k{i}"), vec![i; 64]);
    }
    let json = envelope.to_json().unwrap();
    let at = |max_bytes, max_signatures| {
        Envelope::from_json_with(
            &json,
            &EnvelopeLimits {
                max_bytes,
                max_signatures,
            },
        )
    };
    assert_eq!(at(json.len(), 3).unwrap(), envelope);
    assert!(matches!(
        at(json.len() - 1, 3),
        Err(AttestError::Dsse(DsseError::TooLarge { .. }))
    ));
    assert!(matches!(
        at(json.len(), 2),
        Err(AttestError::Dsse(DsseError::TooManySignatures {
            count: 3,
            max: 2
        }))
    ));
}

// ---------------------------------------------------------------------------------------------
// Scans.

const OS_RELEASE: &[u8] = b"ID=alpine\nVERSION_ID=3.20.0\n";

fn scan(image: &TestImage, limits: ScanLimits) -> Result<ImageScan, ScanError> {
    scan_image_detailed(
        &image.build().source,
        &[],
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
    )
}

fn limit_name(result: Result<ImageScan, ScanError>) -> &'static str {
    match result {
        Err(ScanError::LimitExceeded { limit, .. }) => limit,
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

/// Two gzip layers: 5 entries, an 18-byte path, a 5-component path, an os-release behind two
/// links.
fn image() -> (TestImage, [TestLayer; 2]) {
    let bottom = TestLayer::new()
        .dir("etc")
        .file("usr/lib/os-release", OS_RELEASE)
        .symlink("etc/os-release", "../usr/lib/os-rel");
    let top = TestLayer::new()
        .symlink("usr/lib/os-rel", "os-release")
        .file("a/b/c/d/e-long", b"");
    (
        TestImage::new().layer(bottom.clone()).layer(top.clone()),
        [bottom, top],
    )
}

#[test]
fn scan_sizes_and_counts_at_their_edges() {
    let (image, layers) = image();
    let base = ScanLimits::default;
    let bottom = layers[0].tar().len() as u64;
    let top = layers[1].tar().len() as u64;
    let checks: Vec<(&str, ScanLimits, ScanLimits)> = vec![
        (
            "max_layer_bytes",
            ScanLimits {
                max_layer_bytes: bottom.max(top),
                ..base()
            },
            ScanLimits {
                max_layer_bytes: bottom.max(top) - 1,
                ..base()
            },
        ),
        (
            "max_image_bytes",
            ScanLimits {
                max_image_bytes: bottom + top,
                ..base()
            },
            ScanLimits {
                max_image_bytes: bottom + top - 1,
                ..base()
            },
        ),
        (
            "max_entries",
            ScanLimits {
                max_entries: 5,
                ..base()
            },
            ScanLimits {
                max_entries: 4,
                ..base()
            },
        ),
        (
            "max_path_bytes",
            ScanLimits {
                max_path_bytes: "usr/lib/os-release".len() as u64,
                ..base()
            },
            ScanLimits {
                max_path_bytes: "usr/lib/os-release".len() as u64 - 1,
                ..base()
            },
        ),
        (
            "max_path_depth",
            ScanLimits {
                max_path_depth: 5,
                ..base()
            },
            ScanLimits {
                max_path_depth: 4,
                ..base()
            },
        ),
        (
            "max_layers",
            ScanLimits {
                max_layers: 2,
                ..base()
            },
            ScanLimits {
                max_layers: 1,
                ..base()
            },
        ),
    ];
    for (name, at, over) in checks {
        let ok = scan(&image, at).unwrap_or_else(|e| panic!("{name} at the limit: {e}"));
        assert_eq!(
            ok.sbom.os.map(|o| o.id).as_deref(),
            Some("alpine"),
            "{name}"
        );
        assert_eq!(limit_name(scan(&image, over)), name);
    }
}

#[test]
fn metadata_size_at_its_edge() {
    let (image, _) = image();
    let built = image.build();
    let largest = built.images[0]
        .manifest
        .size
        .max(built.images[0].config.size);
    let at = ScanLimits {
        max_metadata_bytes: largest,
        ..ScanLimits::default()
    };
    scan(&image, at).unwrap();
    let over = ScanLimits {
        max_metadata_bytes: largest - 1,
        ..ScanLimits::default()
    };
    match scan(&image, over) {
        Err(ScanError::Image(ImageError::Oversize { size, max, .. })) => {
            assert_eq!((size, max), (largest, largest - 1))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn file_size_and_link_depth_at_their_edges() {
    let (image, _) = image();
    // A file over max_file_bytes is skipped with a note (the documented exception): the OS is
    // then unknown.
    let at = ScanLimits {
        max_file_bytes: OS_RELEASE.len() as u64,
        ..ScanLimits::default()
    };
    assert!(scan(&image, at).unwrap().sbom.os.is_some());
    let over = ScanLimits {
        max_file_bytes: OS_RELEASE.len() as u64 - 1,
        ..ScanLimits::default()
    };
    let skipped = scan(&image, over).unwrap();
    assert_eq!(skipped.sbom.os, None);
    assert!(
        skipped
            .sbom
            .notes
            .iter()
            .any(|n| n.contains("max_file_bytes")),
        "{:?}",
        skipped.sbom.notes
    );
    // etc/os-release -> usr/lib/os-rel -> usr/lib/os-release: two links. The engine resolves
    // os-release and hard links with `max_link_depth`; past it resolution gives up (a loop
    // looks the same), which is a missing result, not an error. (The OS itself is still found
    // here through the second candidate path, usr/lib/os-release, which needs no link.)
    let tree = scan(&image, ScanLimits::default()).unwrap().tree;
    assert_eq!(
        tree.resolve_file("etc/os-release", 2)
            .map(|(p, _)| p)
            .as_deref(),
        Some("usr/lib/os-release")
    );
    assert!(tree.resolve_file("etc/os-release", 1).is_none());
}

// ---------------------------------------------------------------------------------------------
// Policy bundles and evaluation.

fn bundle_limit(result: Result<Bundle, PolicyError>) -> (&'static str, u64) {
    match result {
        Err(PolicyError::Bundle(BundleError::Limit { limit, max, .. })) => (limit, max),
        other => panic!("expected a bundle limit, got {other:?}"),
    }
}

#[test]
fn bundle_limits_at_their_edges() {
    let module = b"package stella.policy\n\ndefault allow := true\n".as_slice();
    let data = br#"{"x":1}"#.as_slice();
    let files = [("a.rego", module), ("data.json", data)];
    let limits = BundleLimits {
        max_files: 2,
        max_module_bytes: module.len(),
        max_data_bytes: data.len(),
        max_module_nesting: 0,
        ..BundleLimits::default()
    };
    Bundle::from_files_with(files, None, &limits).unwrap();
    let (_, max) = bundle_limit(Bundle::from_files_with(
        files,
        None,
        &BundleLimits {
            max_files: 1,
            ..limits
        },
    ));
    assert_eq!(max, 1);
    let (_, max) = bundle_limit(Bundle::from_files_with(
        files,
        None,
        &BundleLimits {
            max_module_bytes: module.len() - 1,
            ..limits
        },
    ));
    assert_eq!(max, module.len() as u64 - 1);
    let (_, max) = bundle_limit(Bundle::from_files_with(
        files,
        None,
        &BundleLimits {
            max_data_bytes: data.len() - 1,
            ..limits
        },
    ));
    assert_eq!(max, data.len() as u64 - 1);
    // regorus parses `[`/`{` nesting in exponential time: the default bound (12) refuses the
    // fuzzer's input before regorus sees it, and 12 levels still load.
    let nested = |n: usize| format!("package p\n\nx := {}1{}\n", "[".repeat(n), "]".repeat(n));
    let deep = nested(13);
    let (limit, max) = bundle_limit(Bundle::from_files_with(
        [("a.rego", deep.as_bytes())],
        None,
        &BundleLimits::default(),
    ));
    assert_eq!((limit, max), ("module bracket nesting", 12));
    let ok = nested(12);
    Bundle::from_files_with([("a.rego", ok.as_bytes())], None, &BundleLimits::default()).unwrap();
}

#[test]
fn evaluation_stops_at_the_instruction_limit() {
    // The exact instruction count of an evaluation is regorus' internal; the edge shown here is
    // the typed error when the limit is too small, and the default passing.
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let input = GateInput::from_json(
        br#"{"image": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
             "scan": {}, "findings": [], "vex": [], "attestations": [], "waivers": []}"#,
    )
    .unwrap();
    let gate = |limits| {
        Gate::new(
            &bundle,
            GateOptions {
                limits,
                ..GateOptions::default()
            },
        )
        .unwrap()
    };
    assert!(gate(EvalLimits::default()).evaluate(&input).is_ok());
    let tiny = EvalLimits {
        max_instructions: 1,
        max_time: None,
    };
    match gate(tiny).evaluate(&input) {
        Err(PolicyError::Eval(EvalError::InstructionLimit { limit })) => assert_eq!(limit, 1),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// OSV archive import.

fn zip_of(docs: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in docs {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn import_limits_at_their_edges() {
    let a = br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z"}"#.as_slice();
    let b = br#"{"id":"GO-2","modified":"2024-01-01T00:00:00Z"}"#.as_slice();
    let archive = zip_of(&[("a.json", a), ("b.json", b)]);
    let total = (a.len() + b.len()) as u64;
    let import = |max_entries, max_total_bytes| {
        Importer::with_limits(
            ImportMode::Strict,
            ImportLimits {
                max_entries,
                max_total_bytes,
            },
        )
        .add_zip("osv.zip", &archive)
    };
    import(2, total).unwrap();
    assert!(matches!(
        import(1, total),
        Err(VulnError::Limit {
            what: "zip entries",
            limit: 1
        })
    ));
    match import(2, total - 1) {
        Err(VulnError::Limit { limit, .. }) => assert_eq!(limit, total - 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_root_filesystem_nested_past_the_path_depth_is_refused_not_a_stack_overflow() {
    use stella_scan::engine::RootfsSource;
    let t = tempfile::tempdir().unwrap();
    let limits = ScanLimits::default();
    // One directory per level, created relative to the previous one so no path passes
    // PATH_MAX; the walk used to recurse once per level and overflowed the stack at ~1,800.
    let mut dir = t.path().to_path_buf();
    for _ in 0..=limits.max_path_depth {
        dir.push("d");
    }
    std::fs::create_dir_all(&dir).unwrap();
    let root = stella::image::RootfsDir::open(t.path()).unwrap();
    match root.entries(&limits) {
        Err(ScanError::LimitExceeded { limit, max, .. }) => {
            assert_eq!((limit, max), ("max_path_depth", limits.max_path_depth));
        }
        other => panic!("expected max_path_depth, got {:?}", other.map(|e| e.len())),
    }
    // At the limit it walks.
    let ok = tempfile::tempdir().unwrap();
    let mut dir = ok.path().to_path_buf();
    for _ in 0..limits.max_path_depth {
        dir.push("d");
    }
    std::fs::create_dir_all(&dir).unwrap();
    let entries = stella::image::RootfsDir::open(ok.path())
        .unwrap()
        .entries(&limits)
        .unwrap();
    assert_eq!(entries.len() as u64, limits.max_path_depth);
}
