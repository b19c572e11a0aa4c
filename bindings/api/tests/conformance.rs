#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Runs the shared conformance vectors (`tests/vectors/conformance/`, see its README) through
//! the Rust API and asserts byte equality with the expected outputs. The Python and Node suites
//! run the same `cases.json` through their bindings.
//!
//! Regenerate inputs, manifest and expected outputs (then review the diff):
//! `STELLA_REGENERATE_VECTORS=1 cargo test -p stella-bindings-api --test conformance`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::merkle::{MerkleTree, leaf_hash};
use stella_attest::transparency::note::{Checkpoint, NoteSigner};
use stella_bindings_api::*;
use stella_core::{Digest, InclusionProof};
use stella_scan::entrytrace::build_test_elf;
use stella_scan::image::ContainerConfig;
use stella_scan::testing::{TestImage, TestLayer};

const REGENERATE: &str = "STELLA_REGENERATE_VECTORS";
const FIXED_TIME: &str = "2024-06-01T00:00:00Z";
const LOG_ORIGIN: &str = "stella.test/conformance-log";
const SITE: &str = "usr/local/lib/python3.11/site-packages";

/// The vectors directory; in regeneration mode the first caller regenerates it (all tests of
/// this file wait for that, so none reads half-written files).
fn vectors_dir() -> PathBuf {
    static GENERATED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/conformance");
    if regenerating() {
        GENERATED.get_or_init(|| run_cases(&dir, true));
    }
    dir
}

fn regenerating() -> bool {
    std::env::var_os(REGENERATE).is_some_and(|v| v == "1")
}

// ------------------------------------------------------------------ running a case

fn file(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// An argument as bytes: `{"file": name}` is the file's bytes, a string its UTF-8 bytes.
fn bytes(dir: &Path, v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) if o.len() == 1 && o.contains_key("file") => {
            file(dir, o["file"].as_str().expect("file name"))
        }
        other => panic!("not a bytes argument: {other}"),
    }
}

/// An argument as text: a string, or `{"file": name}` read as UTF-8.
fn text(dir: &Path, v: &Value) -> String {
    String::from_utf8(bytes(dir, v)).expect("UTF-8 text argument")
}

fn opt_text(dir: &Path, o: &Value, key: &str) -> String {
    o.get(key).map(|v| text(dir, v)).unwrap_or_default()
}

fn opt_bytes(dir: &Path, o: &Value, key: &str) -> Vec<u8> {
    o.get(key).map(|v| bytes(dir, v)).unwrap_or_default()
}

fn opt_bool(o: &Value, key: &str) -> bool {
    o.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn opt_u64(o: &Value, key: &str) -> u64 {
    o.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn list<T>(o: &Value, key: &str, f: impl Fn(&Value) -> T) -> Vec<T> {
    o.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(f).collect())
        .unwrap_or_default()
}

fn named(dir: &Path, v: &Value) -> NamedBytes {
    NamedBytes {
        name: v["name"].as_str().expect("name").to_owned(),
        bytes: bytes(dir, &v["bytes"]),
    }
}

fn vex_merge_options(dir: &Path, o: &Value) -> VexMergeOptions {
    VexMergeOptions {
        now: opt_text(dir, o, "now"),
        author: opt_text(dir, o, "author"),
        explain: opt_bool(o, "explain"),
        allow_unsigned: opt_bool(o, "allow_unsigned"),
        trusted_keys_pem: list(o, "trusted_keys_pem", |v| text(dir, v)),
        trust_policy_yaml: opt_text(dir, o, "trust_policy_yaml"),
    }
}

fn sbom_format(o: &Value) -> SbomFormat {
    match o.get("format").and_then(Value::as_str) {
        None | Some("cyclonedx-json") => SbomFormat::CycloneDxJson,
        Some("spdx-json") => SbomFormat::SpdxJson,
        Some(other) => panic!("sbom format {other}"),
    }
}

fn scan_options(dir: &Path, o: &Value) -> ScanOptions {
    ScanOptions {
        format: match o.get("format").and_then(Value::as_str) {
            None | Some("json") => ScanFormat::Json,
            Some("sarif") => ScanFormat::Sarif,
            Some(other) => panic!("scan format {other}"),
        },
        platform: opt_text(dir, o, "platform"),
        name: opt_text(dir, o, "name"),
    }
}

/// What a call returned, for the comparison: the bytes of the whole result or of one field.
fn output(field: Option<&str>, whole: Option<Vec<u8>>, fields: &[(&str, Vec<u8>)]) -> Vec<u8> {
    match field {
        None => whole.expect("this op returns a record: the case must name a field"),
        Some(name) => fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("no field {name}")),
    }
}

fn strings(v: &[String]) -> Vec<u8> {
    v.join("\n").into_bytes()
}

/// Calls the API function named `op` with `args` (see the README for the encoding).
fn dispatch(dir: &Path, op: &str, a: &Value, field: Option<&str>) -> Result<Vec<u8>, ApiError> {
    let o = a.get("options").cloned().unwrap_or(Value::Null);
    let o = &o;
    Ok(match op {
        "canonicalize_json" => canonicalize_json(&bytes(dir, &a["json"]))?,
        "digest_of" => digest_of(&bytes(dir, &a["bytes"])).into_bytes(),
        "digest_of_hex" => digest_of_hex(&bytes(dir, &a["bytes"])).into_bytes(),
        "import_private_key" => {
            let k = import_private_key(&text(dir, &a["pem"]))?;
            output(
                field,
                None,
                &[
                    ("algorithm", k.algorithm.name().into()),
                    ("private_pem", k.private_pem.into_bytes()),
                    ("public_pem", k.public_pem.into_bytes()),
                    ("key_id", k.key_id.into_bytes()),
                ],
            )
        }
        "public_key_from_pem" => {
            let k = public_key_from_pem(&text(dir, &a["pem"]))?;
            output(
                field,
                None,
                &[
                    ("algorithm", k.algorithm.name().into()),
                    ("public_pem", k.public_pem.into_bytes()),
                    ("key_id", k.key_id.into_bytes()),
                ],
            )
        }
        "dsse_sign" => dsse_sign(
            &bytes(dir, &a["payload"]),
            &list(a, "private_keys_pem", |v| text(dir, v)),
            &DsseSignOptions {
                payload_type: opt_text(dir, o, "payload_type"),
            },
        )?,
        "dsse_verify" => {
            let v = dsse_verify(
                &bytes(dir, &a["envelope"]),
                &DsseVerifyOptions {
                    public_keys_pem: list(o, "public_keys_pem", |v| text(dir, v)),
                    threshold: u32::try_from(opt_u64(o, "threshold")).unwrap(),
                    payload_types: list(o, "payload_types", |v| text(dir, v)),
                    reject_high_s: opt_bool(o, "reject_high_s"),
                },
            )?;
            output(
                field,
                None,
                &[
                    ("payload_type", v.payload_type.into_bytes()),
                    ("payload", v.payload),
                    ("key_ids", strings(&v.key_ids)),
                ],
            )
        }
        "statement_build" => statement_build(&StatementOptions {
            subjects: list(o, "subjects", |s| StatementSubject {
                name: opt_text(dir, s, "name"),
                digest: opt_text(dir, s, "digest"),
            }),
            predicate_type: opt_text(dir, o, "predicate_type"),
            predicate_json: opt_bytes(dir, o, "predicate_json"),
        })?,
        "statement_parse" => {
            let s = statement_parse(&bytes(dir, &a["bytes"]))?;
            let subjects: Vec<String> = s
                .subjects
                .iter()
                .map(|s| format!("{} {}", s.name, s.digest))
                .collect();
            output(
                field,
                None,
                &[
                    ("statement_type", s.statement_type.into_bytes()),
                    ("predicate_type", s.predicate_type.into_bytes()),
                    ("subjects", strings(&subjects)),
                    ("predicate_json", s.predicate_json),
                ],
            )
        }
        "sbom_from_image_bytes" => sbom_from_image_bytes(
            &bytes(dir, &a["archive"]),
            &SbomOptions {
                format: sbom_format(o),
                timestamp: opt_text(dir, o, "timestamp"),
                platform: opt_text(dir, o, "platform"),
                name: opt_text(dir, o, "name"),
            },
        )?,
        "db_build" => db_build(
            &list(a, "documents", |v| named(dir, v)),
            &DbBuildOptions {
                date: opt_text(dir, o, "date"),
                lenient: opt_bool(o, "lenient"),
            },
        )?,
        "scan_image_bytes" => scan_image_bytes(
            &bytes(dir, &a["archive"]),
            &bytes(dir, &a["snapshot"]),
            &scan_options(dir, o),
        )?,
        "scan_sbom" => scan_sbom(
            &bytes(dir, &a["sbom"]),
            &bytes(dir, &a["snapshot"]),
            &scan_options(dir, o),
        )?,
        "entry_trace_image_bytes" => entry_trace_image_bytes(
            &bytes(dir, &a["archive"]),
            &EntryTraceOptions {
                platform: opt_text(dir, o, "platform"),
            },
        )?,
        "vex_validate" => {
            let v = vex_validate(
                &bytes(dir, &a["document"]),
                &VexValidateOptions {
                    now: opt_text(dir, o, "now"),
                },
            )?;
            output(
                field,
                None,
                &[
                    ("id", v.id.into_bytes()),
                    ("statements", v.statements.to_string().into_bytes()),
                ],
            )
        }
        "vex_merge" => {
            let m = vex_merge(
                &list(a, "documents", |v| bytes(dir, v)),
                &vex_merge_options(dir, o),
            )?;
            output(
                field,
                None,
                &[
                    ("document", m.document),
                    ("explanation", m.explanation.into_bytes()),
                    ("decisions_json", m.decisions_json),
                ],
            )
        }
        "vex_apply" => vex_apply(
            &bytes(dir, &a["findings"]),
            &list(a, "documents", |v| bytes(dir, v)),
            &vex_merge_options(dir, o),
        )?,
        "vex_generate" => vex_generate(
            &bytes(dir, &a["findings"]),
            &VexGenerateOptions {
                now: opt_text(dir, o, "now"),
                author: opt_text(dir, o, "author"),
                policy_yaml: opt_text(dir, o, "policy_yaml"),
            },
        )?,
        "policy_evaluate" => {
            let d = policy_evaluate(
                &bytes(dir, &a["input_json"]),
                &PolicyOptions {
                    bundle_files: list(o, "bundle_files", |v| named(dir, v)),
                    revision: opt_text(dir, o, "revision"),
                    deny_under_investigation: opt_bool(o, "deny_under_investigation"),
                    time: opt_text(dir, o, "time"),
                    actor: opt_text(dir, o, "actor"),
                    query: opt_text(dir, o, "query"),
                    max_instructions: opt_u64(o, "max_instructions"),
                },
            )?;
            output(
                field,
                None,
                &[
                    ("allow", d.allow.to_string().into_bytes()),
                    ("violations", strings(&d.violations)),
                    ("warnings", strings(&d.warnings)),
                    ("record", d.record),
                ],
            )
        }
        "merkle_leaf_hash" => merkle_leaf_hash(&bytes(dir, &a["data"])).into_bytes(),
        "merkle_verify_inclusion" => {
            let v = merkle_verify_inclusion(
                &bytes(dir, &a["leaf_data"]),
                &bytes(dir, &a["proof_json"]),
            )?;
            output(
                field,
                None,
                &[
                    ("leaf_hash", v.leaf_hash.into_bytes()),
                    ("log_index", v.log_index.to_string().into_bytes()),
                    ("tree_size", v.tree_size.to_string().into_bytes()),
                    ("root_hash", v.root_hash.into_bytes()),
                ],
            )
        }
        "checkpoint_verify" => {
            let v = checkpoint_verify(
                &bytes(dir, &a["note"]),
                &CheckpointOptions {
                    trusted_keys: list(o, "trusted_keys", |k| NoteKey {
                        name: opt_text(dir, k, "name"),
                        public_pem: opt_text(dir, k, "public_pem"),
                    }),
                    expected_size: opt_u64(o, "expected_size"),
                    expected_root_hash: opt_text(dir, o, "expected_root_hash"),
                },
            )?;
            output(
                field,
                None,
                &[
                    ("origin", v.origin.into_bytes()),
                    ("size", v.size.to_string().into_bytes()),
                    ("root_hash", v.root_hash.into_bytes()),
                    ("signers", strings(&v.signers)),
                ],
            )
        }
        "run" => {
            let o = &a["options"];
            let v = run(&RunOptions {
                time: opt_text(dir, o, "time"),
                actor: opt_text(dir, o, "actor"),
                private_key_pem: opt_text(dir, o, "private_key_pem"),
                ..RunOptions::default()
            })?;
            output(
                field,
                None,
                &[
                    ("allow", v.allow.to_string().into_bytes()),
                    ("report_json", v.report_json),
                ],
            )
        }
        "force_panic_for_tests" => {
            force_panic_for_tests()?;
            Vec::new()
        }
        other => panic!("unknown op {other}"),
    })
}

// ------------------------------------------------------------------ generating the vectors

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The committed Ed25519 test key: PKCS#8 of a fixed seed (SHA-256 of a fixed phrase). A test
/// key only; never trust it.
fn test_key() -> PrivateKey {
    let seed = Digest::of(b"stella-ops conformance test key (never trust it)");
    // PKCS#8 v1 PrivateKeyInfo for Ed25519 (RFC 8410): fixed prefix, then the 32-byte seed.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed.as_bytes());
    PrivateKey::from_pkcs8_der(&der).unwrap()
}

const OS_RELEASE: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

const DPKG_STATUS: &[u8] = b"Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u1
Description: GNU C Library: Shared libraries

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime
";

/// The fixture image: Debian glibc and zlib (dpkg), PyPI requests 2.19.1 imported by the
/// entrypoint script, as an uncompressed OCI archive.
fn fixture_archive() -> Vec<u8> {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("etc/os-release", OS_RELEASE)
                .file("var/lib/dpkg/status", DPKG_STATUS)
                .file_mode("usr/bin/python3.11", &build_test_elf(None, &[], None, None), 0o755)
                .symlink("usr/bin/python3", "python3.11"),
        )
        .layer(
            TestLayer::new()
                .file(
                    &format!("{SITE}/requests-2.19.1.dist-info/METADATA"),
                    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\nLicense: Apache-2.0\n",
                )
                .file(
                    &format!("{SITE}/requests-2.19.1.dist-info/RECORD"),
                    b"requests/__init__.py,,\nrequests-2.19.1.dist-info/METADATA,,\n",
                )
                .file(&format!("{SITE}/requests/__init__.py"), b"\n"),
        )
        .layer(TestLayer::new().file("app/main.py", b"import requests\n"))
        .config(ContainerConfig {
            entrypoint: Some(vec!["python3".into(), "/app/main.py".into()]),
            ..ContainerConfig::default()
        })
        .build();
    let tmp = std::env::temp_dir().join(format!("stella-conformance-{}.tar", std::process::id()));
    stella::image::testing::write_oci_archive(&tmp, &image.root, &image.blobs).unwrap();
    let bytes = std::fs::read(&tmp).unwrap();
    std::fs::remove_file(&tmp).unwrap();
    bytes
}

/// Project-authored OSV-shaped records (fictional ids) matching the fixture's packages.
const OSV_GLIBC: &str = r#"{"schema_version":"1.6.0","id":"STELLA-TEST-DEB-0001","modified":"2024-05-01T00:00:00Z",
 "aliases":["CVE-2099-0001"],"summary":"glibc: test advisory for the conformance vectors",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]}]}"#;

const OSV_REQUESTS: &str = r#"{"schema_version":"1.6.0","id":"STELLA-TEST-PYPI-0001","modified":"2024-05-02T00:00:00Z",
 "aliases":["CVE-2099-0002"],"summary":"requests: test advisory for the conformance vectors",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.20.0"}]}]}]}"#;

const VEX_VENDOR: &str = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://vendor.example/vex/1",
 "author":"Vendor Example","timestamp":"2024-05-10T00:00:00Z","version":1,
 "statements":[{"vulnerability":{"name":"CVE-2099-0002"},"products":[{"@id":"pkg:pypi/requests@2.19.1"}],
 "status":"under_investigation"}]}"#;

const VEX_TEAM: &str = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://team.example/vex/7",
 "author":"App Team","timestamp":"2024-05-20T00:00:00Z","version":1,
 "statements":[{"vulnerability":{"name":"CVE-2099-0002"},"products":[{"@id":"pkg:pypi/requests@2.19.1"}],
 "status":"not_affected","justification":"vulnerable_code_not_in_execute_path",
 "impact_statement":"the app never calls the affected API"},
 {"vulnerability":{"name":"CVE-2099-0001"},"products":[{"@id":"pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12"}],
 "status":"affected","action_statement":"upgrade libc6 to 2.36-9+deb12u3"}]}"#;

const GATE_IMAGE: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn gate_input(status: &str) -> Vec<u8> {
    let v = json!({"image": {"digest": GATE_IMAGE, "name": "registry.example/app"},
        "scan": {"scanner": "stella"},
        "findings": [{"id": "CVE-2099-0002", "aliases": [], "severity": "CRITICAL",
            "exploitability": status, "package": {"purl": "pkg:pypi/requests@2.19.1"},
            "fixed_versions": ["2.20.0"], "reachability": "reachable"}],
        "vex": [], "attestations": [], "waivers": []});
    serde_json::to_vec_pretty(&v).unwrap()
}

fn f(name: &str) -> Value {
    json!({ "file": name })
}

/// Writes every input file and returns the manifest.
fn generate_inputs(dir: &Path) -> Vec<Value> {
    let mut cases = Vec::new();

    // canonical JSON
    let canon = [
        ("numbers", r#"{"n":[1.0,-0,1e21,1e-7,123456789012345678901234567890,0.1,5e-324,1.7976931348623157e308,100,4.50,-1.5E+3,333333333.33333329]}"#.to_owned()),
        ("utf16-key-order", r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#.to_owned()),
        ("escapes", "{\"s\":\"\\u0000\\u001f\\\"\\\\\\/\\b\\f\\n\\r\\t\\u007f\\u2028 \u{e9} \\ud83d\\ude00 \\u00e9\"}".to_owned()),
        ("nested-whitespace", "{ \"z\" : [ true , false , null , { } , [ ] ] ,\n\t\"a\" : { \"b\" : \"c\" , \"a\" : 1 } }\n".to_owned()),
    ];
    for (name, input) in &canon {
        write(dir, &format!("canonical/{name}.json"), input.as_bytes());
        push_case(
            &mut cases,
            &format!("canonicalize_json/{name}"),
            "canonicalize_json",
            json!({"json": f(&format!("canonical/{name}.json"))}),
            &format!("canonical/{name}.expected.json"),
        );
    }
    write(dir, "canonical/duplicate-key.json", br#"{"a":1,"a":2}"#);
    cases.push(
        json!({"name": "canonicalize_json/duplicate-key", "op": "canonicalize_json",
        "args": {"json": f("canonical/duplicate-key.json")}, "expect_error": "E_PARSE"}),
    );

    // digests
    write(dir, "digest/hello.txt", b"hello, stella\n");
    push_case(
        &mut cases,
        "digest_of/file",
        "digest_of",
        json!({"bytes": f("digest/hello.txt")}),
        "digest/hello.digest.txt",
    );
    push_case(
        &mut cases,
        "digest_of/empty",
        "digest_of",
        json!({"bytes": ""}),
        "digest/empty.digest.txt",
    );

    // keys
    let key = test_key();
    write(
        dir,
        "keys/ed25519-test.key.pem",
        key.to_pkcs8_pem().unwrap().as_bytes(),
    );
    write(
        dir,
        "keys/ed25519-test.pub.pem",
        key.public_key().to_pem().as_bytes(),
    );
    cases_push_field(
        &mut cases,
        "public_key_from_pem/key_id",
        "public_key_from_pem",
        json!({"pem": f("keys/ed25519-test.pub.pem")}),
        "key_id",
        "keys/ed25519-test.key_id.txt",
    );
    cases_push_field(
        &mut cases,
        "import_private_key/public_pem",
        "import_private_key",
        json!({"pem": f("keys/ed25519-test.key.pem")}),
        "public_pem",
        "keys/ed25519-test.pub.pem",
    );

    // in-toto statement, DSSE
    write(dir, "statement/predicate.json", b"{\"builder\": {\"id\": \"https://ci.example/builder\"}, \"note\": \"conformance \\u00e9\"}\n");
    let statement_options = json!({"subjects": [{"name": "registry.example/app", "digest": digest_of(b"app image manifest")}],
        "predicate_type": "https://stella-ops.dev/conformance/v1", "predicate_json": f("statement/predicate.json")});
    push_case(
        &mut cases,
        "statement_build/basic",
        "statement_build",
        json!({"options": statement_options}),
        "statement/statement.json",
    );
    cases_push_field(
        &mut cases,
        "statement_parse/predicate_json",
        "statement_parse",
        json!({"bytes": f("statement/statement.json")}),
        "predicate_json",
        "statement/predicate.canonical.json",
    );
    cases_push_field(
        &mut cases,
        "statement_parse/subjects",
        "statement_parse",
        json!({"bytes": f("statement/statement.json")}),
        "subjects",
        "statement/subjects.txt",
    );
    push_case(
        &mut cases,
        "dsse_sign/ed25519",
        "dsse_sign",
        json!({"payload": f("statement/statement.json"), "private_keys_pem": [f("keys/ed25519-test.key.pem")]}),
        "dsse/envelope.json",
    );
    let verify_options = json!({"public_keys_pem": [f("keys/ed25519-test.pub.pem")]});
    cases_push_field(
        &mut cases,
        "dsse_verify/payload",
        "dsse_verify",
        json!({"envelope": f("dsse/envelope.json"), "options": verify_options}),
        "payload",
        "statement/statement.json",
    );
    cases_push_field(
        &mut cases,
        "dsse_verify/key_ids",
        "dsse_verify",
        json!({"envelope": f("dsse/envelope.json"), "options": verify_options}),
        "key_ids",
        "keys/ed25519-test.key_id.txt",
    );
    cases.push(json!({"name": "dsse_verify/tampered-payload", "op": "dsse_verify",
        "args": {"envelope": f("dsse/envelope-tampered.json"), "options": verify_options}, "expect_error": "E_VERIFICATION"}));
    cases.push(json!({"name": "dsse_verify/no-keys", "op": "dsse_verify",
        "args": {"envelope": f("dsse/envelope.json"), "options": {}}, "expect_error": "E_INVALID_ARGUMENT"}));

    // image: SBOM, DB, scan, entry-trace
    write(dir, "image/image.tar", &fixture_archive());
    write(
        dir,
        "db/osv/STELLA-TEST-DEB-0001.json",
        OSV_GLIBC.as_bytes(),
    );
    write(
        dir,
        "db/osv/STELLA-TEST-PYPI-0001.json",
        OSV_REQUESTS.as_bytes(),
    );
    push_case(
        &mut cases,
        "sbom_from_image_bytes/cyclonedx",
        "sbom_from_image_bytes",
        json!({"archive": f("image/image.tar"), "options": {"format": "cyclonedx-json", "timestamp": FIXED_TIME, "name": "registry.example/app"}}),
        "image/sbom.cdx.json",
    );
    push_case(
        &mut cases,
        "sbom_from_image_bytes/spdx",
        "sbom_from_image_bytes",
        json!({"archive": f("image/image.tar"), "options": {"format": "spdx-json", "timestamp": FIXED_TIME, "name": "registry.example/app"}}),
        "image/sbom.spdx.json",
    );
    push_case(
        &mut cases,
        "db_build/two-records",
        "db_build",
        json!({"documents": [{"name": "STELLA-TEST-DEB-0001.json", "bytes": f("db/osv/STELLA-TEST-DEB-0001.json")},
                             {"name": "STELLA-TEST-PYPI-0001.json", "bytes": f("db/osv/STELLA-TEST-PYPI-0001.json")}],
               "options": {"date": FIXED_TIME}}),
        "db/snapshot.db",
    );
    push_case(
        &mut cases,
        "scan_image_bytes/findings",
        "scan_image_bytes",
        json!({"archive": f("image/image.tar"), "snapshot": f("db/snapshot.db"), "options": {"format": "json", "name": "registry.example/app"}}),
        "scan/findings.json",
    );
    push_case(
        &mut cases,
        "scan_image_bytes/sarif",
        "scan_image_bytes",
        json!({"archive": f("image/image.tar"), "snapshot": f("db/snapshot.db"), "options": {"format": "sarif", "name": "registry.example/app"}}),
        "scan/findings.sarif.json",
    );
    push_case(
        &mut cases,
        "scan_sbom/cyclonedx",
        "scan_sbom",
        json!({"sbom": f("image/sbom.cdx.json"), "snapshot": f("db/snapshot.db"), "options": {"format": "json", "name": "sbom.cdx.json"}}),
        "scan/sbom-findings.json",
    );
    push_case(
        &mut cases,
        "entry_trace_image_bytes/python",
        "entry_trace_image_bytes",
        json!({"archive": f("image/image.tar")}),
        "scan/entry-trace.json",
    );

    // VEX
    write(dir, "vex/vendor.openvex.json", VEX_VENDOR.as_bytes());
    write(dir, "vex/team.openvex.json", VEX_TEAM.as_bytes());
    let merge_options = json!({"now": FIXED_TIME, "allow_unsigned": true, "explain": true, "author": "Stella Ops conformance"});
    let docs = json!([f("vex/vendor.openvex.json"), f("vex/team.openvex.json")]);
    cases_push_field(
        &mut cases,
        "vex_validate/team",
        "vex_validate",
        json!({"document": f("vex/team.openvex.json"), "options": {"now": FIXED_TIME}}),
        "id",
        "vex/team.id.txt",
    );
    cases_push_field(
        &mut cases,
        "vex_merge/document",
        "vex_merge",
        json!({"documents": docs, "options": merge_options}),
        "document",
        "vex/merged.openvex.json",
    );
    cases_push_field(
        &mut cases,
        "vex_merge/explanation",
        "vex_merge",
        json!({"documents": docs, "options": merge_options}),
        "explanation",
        "vex/merged.explanation.txt",
    );
    cases_push_field(
        &mut cases,
        "vex_merge/decisions",
        "vex_merge",
        json!({"documents": docs, "options": merge_options}),
        "decisions_json",
        "vex/merged.decisions.json",
    );
    cases.push(json!({"name": "vex_merge/unsigned-refused", "op": "vex_merge",
        "args": {"documents": docs, "options": {"now": FIXED_TIME}}, "expect_error": "E_VERIFICATION"}));
    push_case(
        &mut cases,
        "vex_apply/findings",
        "vex_apply",
        json!({"findings": f("scan/findings.json"), "documents": docs, "options": {"now": FIXED_TIME, "allow_unsigned": true}}),
        "vex/applied.json",
    );
    push_case(
        &mut cases,
        "vex_generate/findings",
        "vex_generate",
        json!({"findings": f("scan/findings.json"), "options": {"now": FIXED_TIME, "author": "Stella Ops conformance"}}),
        "vex/generated.openvex.json",
    );

    // policy
    write(dir, "policy/input-affected.json", &gate_input("affected"));
    write(
        dir,
        "policy/input-not-affected.json",
        &gate_input("not_affected"),
    );
    let policy_options = json!({"time": FIXED_TIME, "actor": "conformance"});
    cases_push_field(
        &mut cases,
        "policy_evaluate/builtin-deny-record",
        "policy_evaluate",
        json!({"input_json": f("policy/input-affected.json"), "options": policy_options}),
        "record",
        "policy/decision-deny.json",
    );
    cases_push_field(
        &mut cases,
        "policy_evaluate/builtin-deny-allow",
        "policy_evaluate",
        json!({"input_json": f("policy/input-affected.json"), "options": policy_options}),
        "allow",
        "policy/decision-deny.allow.txt",
    );
    cases_push_field(
        &mut cases,
        "policy_evaluate/builtin-allow-record",
        "policy_evaluate",
        json!({"input_json": f("policy/input-not-affected.json"), "options": policy_options}),
        "record",
        "policy/decision-allow.json",
    );
    write(
        dir,
        "policy/input-under-investigation.json",
        &gate_input("under_investigation"),
    );
    cases_push_field(
        &mut cases,
        "policy_evaluate/builtin-warnings",
        "policy_evaluate",
        json!({"input_json": f("policy/input-under-investigation.json"), "options": policy_options}),
        "warnings",
        "policy/decision-under-investigation.warnings.txt",
    );
    write(
        dir,
        "policy/bad.rego",
        b"package stella.policy\n\nallow if {\n",
    );
    cases.push(json!({"name": "policy_evaluate/rego-syntax-error", "op": "policy_evaluate",
        "args": {"input_json": f("policy/input-affected.json"), "options": {"time": FIXED_TIME, "bundle_files": [{"name": "bad.rego", "bytes": f("policy/bad.rego")}]}},
        "expect_error": "E_POLICY"}));

    // Merkle inclusion proof and checkpoint
    let leaves: Vec<Vec<u8>> = (0..7)
        .map(|i| format!("conformance leaf {i}").into_bytes())
        .collect();
    for (i, l) in leaves.iter().enumerate() {
        write(dir, &format!("merkle/leaf-{i}.txt"), l);
    }
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().map(|l| leaf_hash(l)));
    let root = tree.root(7).unwrap();
    let proof = InclusionProof {
        log_index: 3,
        tree_size: 7,
        root_hash: root,
        hashes: tree.inclusion_proof(3, 7).unwrap(),
    };
    write(
        dir,
        "merkle/proof-3-of-7.json",
        &stella_core::canonical::to_canonical_vec(&proof).unwrap(),
    );
    cases_push_field(
        &mut cases,
        "merkle_verify_inclusion/leaf-3",
        "merkle_verify_inclusion",
        json!({"leaf_data": f("merkle/leaf-3.txt"), "proof_json": f("merkle/proof-3-of-7.json")}),
        "root_hash",
        "merkle/root.txt",
    );
    cases.push(json!({"name": "merkle_verify_inclusion/wrong-leaf", "op": "merkle_verify_inclusion",
        "args": {"leaf_data": f("merkle/leaf-4.txt"), "proof_json": f("merkle/proof-3-of-7.json")}, "expect_error": "E_VERIFICATION"}));
    let signer = LocalSigner::new(key, SystemRandom::new()).unwrap();
    let note = Checkpoint::new(LOG_ORIGIN, 7, root)
        .sign(&[NoteSigner::new(LOG_ORIGIN, &signer).unwrap()])
        .unwrap();
    write(dir, "merkle/checkpoint.txt", note.0.as_bytes());
    let tampered = note.0.replacen("\n7\n", "\n8\n", 1);
    write(dir, "merkle/checkpoint-tampered.txt", tampered.as_bytes());
    let trusted = json!([{"name": LOG_ORIGIN, "public_pem": f("keys/ed25519-test.pub.pem")}]);
    let root_hex: String = root.0.iter().map(|b| format!("{b:02x}")).collect();
    cases_push_field(
        &mut cases,
        "checkpoint_verify/root_hash",
        "checkpoint_verify",
        json!({"note": f("merkle/checkpoint.txt"), "options": {"trusted_keys": trusted, "expected_size": 7, "expected_root_hash": root_hex}}),
        "root_hash",
        "merkle/root.txt",
    );
    cases.push(json!({"name": "checkpoint_verify/tampered-size", "op": "checkpoint_verify",
        "args": {"note": f("merkle/checkpoint-tampered.txt"), "options": {"trusted_keys": trusted}}, "expect_error": "E_VERIFICATION"}));

    // The whole pipeline over the embedded demo (in memory, the demo's fixed clock and key).
    cases_push_field(
        &mut cases,
        "run/demo",
        "run",
        json!({"options": {}}),
        "report_json",
        "run/demo-report.json",
    );
    cases.push(json!({"name": "run/bad-time", "op": "run",
        "args": {"options": {"time": "yesterday"}}, "expect_error": "E_INVALID_ARGUMENT"}));

    cases.push(json!({"name": "force_panic_for_tests", "op": "force_panic_for_tests", "args": {}, "expect_error": "E_INTERNAL"}));
    cases
}

fn push_case(cases: &mut Vec<Value>, name: &str, op: &str, args: Value, expected: &str) {
    cases.push(json!({"name": name, "op": op, "args": args, "expected": expected}));
}

fn cases_push_field(
    cases: &mut Vec<Value>,
    name: &str,
    op: &str,
    args: Value,
    field: &str,
    expected: &str,
) {
    cases.push(json!({"name": name, "op": op, "args": args, "field": field, "expected": expected}));
}

/// Inputs derived from expected outputs of earlier cases (the tampered envelope).
fn derive_inputs(dir: &Path) {
    let envelope: Value = serde_json::from_slice(&file(dir, "dsse/envelope.json")).unwrap();
    let payload = envelope["payload"].as_str().unwrap();
    // Flip one base64 character in the middle of the payload: still valid base64, different
    // bytes, so the signature must not verify.
    let mid = payload.len() / 2;
    let c = payload.as_bytes()[mid];
    let replacement = if c == b'A' { "B" } else { "A" };
    let tampered_payload = format!("{}{}{}", &payload[..mid], replacement, &payload[mid + 1..]);
    let mut tampered = envelope.clone();
    tampered["payload"] = Value::String(tampered_payload);
    write(
        dir,
        "dsse/envelope-tampered.json",
        &stella_core::canonical::to_canonical_vec(&tampered).unwrap(),
    );
}

// ------------------------------------------------------------------ the test

/// Runs every case of the manifest; in regeneration mode first writes inputs and manifest,
/// and writes each expected output instead of comparing.
fn run_cases(dir: &Path, regenerate: bool) {
    if regenerate {
        let cases = generate_inputs(dir);
        let mut manifest = serde_json::to_vec_pretty(&cases).unwrap();
        manifest.push(b'\n');
        write(dir, "cases.json", &manifest);
    }
    let cases: Vec<Value> = serde_json::from_slice(&file(dir, "cases.json")).unwrap();
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        assert!(names.insert(name.to_owned()), "duplicate case name {name}");
        let op = case["op"].as_str().unwrap();
        if regenerate && name == "dsse_verify/tampered-payload" {
            derive_inputs(dir);
        }
        let result = dispatch(dir, op, &case["args"], case["field"].as_str());
        match (case.get("expect_error").and_then(Value::as_str), result) {
            (Some(code), Err(e)) if e.kind.code() == code => {}
            (Some(code), Err(e)) => failures.push(format!("{name}: expected {code}, got {e}")),
            (Some(code), Ok(_)) => failures.push(format!("{name}: expected {code}, got success")),
            (None, Err(e)) => failures.push(format!("{name}: {e}")),
            (None, Ok(bytes)) => {
                let expected = case["expected"].as_str().unwrap();
                if regenerate {
                    write(dir, expected, &bytes);
                } else if file(dir, expected) != bytes {
                    failures.push(format!("{name}: output differs from {expected}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn conformance_vectors() {
    let dir = vectors_dir();
    run_cases(&dir, false);
    let cases: Vec<Value> = serde_json::from_slice(&file(&dir, "cases.json")).unwrap();
    assert!(cases.len() >= 40, "{} cases", cases.len());
}

/// The committed test key is the one the generator derives from its fixed seed.
#[test]
fn committed_test_key_is_the_fixed_seed_key() {
    let dir = vectors_dir();
    let key = test_key();
    assert_eq!(
        file(&dir, "keys/ed25519-test.key.pem"),
        key.to_pkcs8_pem().unwrap().as_bytes()
    );
    assert_eq!(
        file(&dir, "keys/ed25519-test.pub.pem"),
        key.public_key().to_pem().as_bytes()
    );
}

/// Ed25519 signing through the API is deterministic: signing twice gives the same envelope.
#[test]
fn ed25519_envelopes_are_byte_identical() {
    let pem = test_key().to_pkcs8_pem().unwrap().to_string();
    let a = dsse_sign(
        b"payload",
        std::slice::from_ref(&pem),
        &DsseSignOptions::default(),
    )
    .unwrap();
    let b = dsse_sign(b"payload", &[pem], &DsseSignOptions::default()).unwrap();
    assert_eq!(a, b);
}

/// The fixture archive built from code is the committed one (the image writers are
/// deterministic), so regenerating never silently changes the image under the vectors.
#[test]
fn fixture_archive_is_reproducible() {
    assert_eq!(fixture_archive(), file(&vectors_dir(), "image/image.tar"));
}
