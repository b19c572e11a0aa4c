#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Strict SBOM input against the official CycloneDX schema test suite (1.3–1.6, tag 1.6.2):
//! every `valid-*` BOM is accepted, every `invalid-*` BOM is refused with a typed error; the
//! lenient mode reads the invalid ones as before and says what it read past.

use stella_scan::SbomInputError;
use stella_scan::sbom_input::{Validation, read_sbom, read_sbom_with};

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/cyclonedx-schema"
);

fn suite(version: &str) -> Vec<(String, Vec<u8>)> {
    let dir = format!("{SUITE}/tests-{version}");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// (valid accepted, valid total, invalid refused, invalid total, what went the wrong way); also
/// prints how many invalid BOMs the lenient mode (the behaviour before validation) accepts.
fn run(version: &str) -> (usize, usize, usize, usize, Vec<String>) {
    let (mut va, mut vt, mut ir, mut it) = (0, 0, 0, 0);
    let mut lenient_accepted = 0;
    let mut wrong = Vec::new();
    for (name, bytes) in suite(version) {
        if name.starts_with("invalid-") {
            if let Ok(input) = read_sbom_with(&bytes, Validation::Lenient) {
                lenient_accepted += 1;
                assert!(
                    !input.warnings.is_empty(),
                    "{version}/{name}: lenient, no warning"
                );
            }
        }
        let result = read_sbom(&bytes);
        if name.starts_with("valid-") {
            vt += 1;
            match result {
                Ok(_) => va += 1,
                Err(e) => wrong.push(format!("{version}/{name} refused: {e}")),
            }
        } else if name.starts_with("invalid-") {
            it += 1;
            match result {
                Err(_) => ir += 1,
                Ok(_) => wrong.push(format!("{version}/{name} accepted")),
            }
        }
    }
    eprintln!("CycloneDX {version}: lenient mode accepts {lenient_accepted}/{it} invalid BOMs");
    (va, vt, ir, it, wrong)
}

#[test]
fn cyclonedx_1_6_suite_valid_accepted_invalid_refused() {
    let (va, vt, ir, it, wrong) = run("1.6");
    eprintln!("CycloneDX 1.6: valid accepted {va}/{vt}, invalid refused {ir}/{it}");
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!((vt, it), (45, 25));
}

#[test]
fn cyclonedx_legacy_suites() {
    let mut all_wrong = Vec::new();
    for version in ["1.3", "1.4", "1.5"] {
        let (va, vt, ir, it, wrong) = run(version);
        eprintln!("CycloneDX {version}: valid accepted {va}/{vt}, invalid refused {ir}/{it}");
        all_wrong.extend(wrong);
    }
    assert!(all_wrong.is_empty(), "{all_wrong:#?}");
}

#[test]
fn schema_errors_name_the_json_path_and_lenient_reads_past_them() {
    let bytes = std::fs::read(format!("{SUITE}/tests-1.6/invalid-hash-sha256-1.6.json")).unwrap();
    match read_sbom(&bytes) {
        Err(SbomInputError::Schema {
            format, violations, ..
        }) => {
            assert_eq!(format, "CycloneDX 1.6");
            assert!(
                violations
                    .iter()
                    .any(|v| v.path.starts_with("/components/0/hashes/")),
                "{violations:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let lenient = read_sbom_with(&bytes, Validation::Lenient).unwrap();
    assert!(!lenient.warnings.is_empty());
}
