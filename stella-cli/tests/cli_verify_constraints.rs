#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella verify`: every constraint a caller states (`--subject`, `--type`,
//! `--require-signer`, `--artifact`, `--threshold`, `--strict-low-s`) is enforced on every input
//! kind (a DSSE envelope, a DSSE bundle v0.1 / v0.2 / v0.3, a message-signature bundle), or
//! refused for that kind with a usage error (exit 2); never dropped on the way to the verifier.
//!
//! Regression: bundles once printed "Verified OK" with a `--subject`, `--type`,
//! `--require-signer` or `--artifact` that did not match, because the flags were not passed to
//! the bundle verifier.

use assert_cmd::Command;
use stella_attest::dsse::{self, EnvelopeSignature as DsseSignature};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::statement::Statement;
use stella_attest::transparency::bundle::{MEDIA_TYPE_V0_1, MEDIA_TYPE_V0_2};
use stella_attest::transparency::testing::{self, TestRekor};
use stella_core::{Digest, SignatureAlgorithm};

const PREDICATE_TYPE: &str = "https://example.com/predicate/v1";
const ZERO_SUBJECT: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn signer() -> LocalSigner<SystemRandom> {
    let rng = SystemRandom::new();
    LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng).unwrap(),
        rng,
    )
    .unwrap()
}

/// The same ECDSA signature with `s` replaced by `n - s` (still valid, not low-S).
fn high_s(sig: &[u8]) -> Vec<u8> {
    use p256::elliptic_curve::PrimeField as _;
    let parsed = p256::ecdsa::Signature::from_der(sig).unwrap();
    let (r, s) = parsed.split_scalars();
    let neg = -*s;
    let flipped = p256::ecdsa::Signature::from_scalars(r.to_repr(), neg.to_repr()).unwrap();
    assert_ne!(flipped.normalize_s(), flipped);
    flipped.to_der().as_bytes().to_vec()
}

/// A key-based DSSE bundle (v0.3) of `payload`, logged as a `dsse` entry.
fn dsse_bundle(
    author: &LocalSigner<SystemRandom>,
    rekor: &mut TestRekor,
    payload_type: &str,
    payload: &[u8],
    high: bool,
) -> stella_attest::transparency::bundle::Bundle {
    testing::dsse_bundle(author, rekor, payload_type, payload, |sig| {
        if high { high_s(&sig) } else { sig }
    })
    .unwrap()
}

/// The input kinds of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Envelope,
    DsseV01,
    DsseV02,
    DsseV03,
    Message,
}

const KINDS: [Kind; 5] = [
    Kind::Envelope,
    Kind::DsseV01,
    Kind::DsseV02,
    Kind::DsseV03,
    Kind::Message,
];

impl Kind {
    fn is_bundle(self) -> bool {
        self != Kind::Envelope
    }

    fn file(self, high: bool) -> String {
        format!("{self:?}{}.json", if high { "-high-s" } else { "" })
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    author_id: String,
    other_id: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes);
        let author = signer();
        let other = signer();
        let mut rekor = TestRekor::new(signer());
        let artifact = b"release artifact 1.0".to_vec();
        write("artifact", &artifact).unwrap();
        write("other-artifact", b"another artifact").unwrap();
        write("author.pub", author.public_key().to_pem().as_bytes()).unwrap();
        write("other.pub", other.public_key().to_pem().as_bytes()).unwrap();
        write("rekor.pub", rekor.signer().public_key().to_pem().as_bytes()).unwrap();

        let statement = Statement::builder()
            .subject("app", Digest::of(&artifact))
            .raw_predicate(PREDICATE_TYPE, serde_json::json!({"built": true}))
            .build()
            .unwrap();
        let payload = statement.to_payload().unwrap();
        let payload_type = dsse::PAYLOAD_TYPE_IN_TOTO;
        for high in [false, true] {
            let adjust = |sig: Vec<u8>| if high { high_s(&sig) } else { sig };
            // A plain envelope.
            let sig = adjust(author.sign(&dsse::pae(payload_type, &payload)).unwrap());
            let envelope = dsse::Envelope::from_parts(
                payload_type,
                payload.clone(),
                vec![DsseSignature::new(author.key_id(), sig)],
            );
            write(&Kind::Envelope.file(high), &envelope.to_json().unwrap()).unwrap();

            // DSSE bundles, logged as `dsse` entries.
            let bundle = dsse_bundle(&author, &mut rekor, payload_type, &payload, high);
            for (kind, media_type) in [
                (Kind::DsseV01, MEDIA_TYPE_V0_1),
                (Kind::DsseV02, MEDIA_TYPE_V0_2),
                (Kind::DsseV03, bundle.media_type.as_str()),
            ] {
                let mut b = bundle.clone();
                b.media_type = media_type.to_owned();
                write(&kind.file(high), &b.to_json().unwrap()).unwrap();
            }

            // A message-signature bundle over the artifact.
            let bundle = testing::message_bundle(&author, &mut rekor, &artifact, adjust).unwrap();
            write(&Kind::Message.file(high), &bundle.to_json().unwrap()).unwrap();
        }
        // A DSSE bundle, correctly signed and logged, of another payload type.
        let other_type = dsse_bundle(
            &author,
            &mut rekor,
            "application/vnd.example+json",
            &payload,
            false,
        );
        write("other-type.json", &other_type.to_json().unwrap()).unwrap();
        Self {
            author_id: author.key_id().to_owned(),
            other_id: other.key_id().to_owned(),
            dir,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn artifact_digest(&self) -> String {
        Digest::of(&std::fs::read(self.path("artifact")).unwrap()).to_string()
    }

    /// `stella verify` of `kind` with the base arguments (the author's key, the log key for a
    /// bundle, the artifact for a message signature unless the case names one) and `extra`.
    fn run(&self, kind: Kind, high: bool, artifact: Option<&str>, extra: &[String]) -> Outcome {
        let mut cmd = stella();
        cmd.arg("verify")
            .arg(self.path(&kind.file(high)))
            .args(["--key", &self.path("author.pub")]);
        if kind.is_bundle() {
            cmd.args(["--rekor-key", &self.path("rekor.pub")]);
        }
        match (artifact, kind) {
            (Some(a), _) => {
                cmd.args(["--artifact", &self.path(a)]);
            }
            (None, Kind::Message) => {
                cmd.args(["--artifact", &self.path("artifact")]);
            }
            (None, _) => {}
        }
        cmd.args(extra);
        let out = cmd.output().unwrap();
        Outcome {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// What a case must give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exit 0, "Verified OK".
    Ok,
    /// Exit 1, "verification failed".
    Deny,
    /// Exit 2, a usage error naming the flag.
    Refused(&'static str),
}

struct Case {
    name: &'static str,
    high_s_input: bool,
    artifact: Option<&'static str>,
    extra: Vec<String>,
    expect: fn(Kind) -> Expect,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[test]
fn every_constraint_is_enforced_on_every_input_kind() {
    let f = Fixture::new();
    let digest = f.artifact_digest();
    let cases: Vec<Case> = vec![
        Case {
            name: "no constraint",
            high_s_input: false,
            artifact: None,
            extra: vec![],
            expect: |_| Expect::Ok,
        },
        Case {
            name: "--subject of the artifact",
            high_s_input: false,
            artifact: None,
            extra: vec!["--subject".into(), digest.clone()],
            expect: |_| Expect::Ok,
        },
        Case {
            name: "--subject of another digest",
            high_s_input: false,
            artifact: None,
            extra: s(&["--subject", ZERO_SUBJECT]),
            expect: |_| Expect::Deny,
        },
        Case {
            name: "--subject of the artifact and of another digest",
            high_s_input: false,
            artifact: None,
            extra: vec![
                "--subject".into(),
                digest.clone(),
                "--subject".into(),
                ZERO_SUBJECT.into(),
            ],
            expect: |_| Expect::Deny,
        },
        Case {
            name: "--type of the statement",
            high_s_input: false,
            artifact: None,
            extra: s(&["--type", PREDICATE_TYPE]),
            expect: |k| match k {
                Kind::Message => Expect::Refused("--type"),
                _ => Expect::Ok,
            },
        },
        Case {
            name: "--type of another predicate",
            high_s_input: false,
            artifact: None,
            extra: s(&["--type", "https://slsa.dev/provenance/v1"]),
            expect: |k| match k {
                Kind::Message => Expect::Refused("--type"),
                _ => Expect::Deny,
            },
        },
        Case {
            name: "--require-signer of the author",
            high_s_input: false,
            artifact: None,
            extra: vec!["--require-signer".into(), f.author_id.clone()],
            expect: |_| Expect::Ok,
        },
        Case {
            name: "--require-signer of a key that did not sign",
            high_s_input: false,
            artifact: None,
            extra: vec!["--require-signer".into(), f.other_id.clone()],
            expect: |_| Expect::Deny,
        },
        Case {
            name: "--artifact that is the subject / the signed message",
            high_s_input: false,
            artifact: Some("artifact"),
            extra: vec![],
            expect: |_| Expect::Ok,
        },
        Case {
            name: "--artifact that is not the subject / the signed message",
            high_s_input: false,
            artifact: Some("other-artifact"),
            extra: vec![],
            expect: |_| Expect::Deny,
        },
        Case {
            name: "--threshold 2 with a second trusted key",
            high_s_input: false,
            artifact: None,
            extra: vec![
                "--key".into(),
                f.path("other.pub"),
                "--threshold".into(),
                "2".into(),
            ],
            expect: |k| match k {
                Kind::Envelope => Expect::Deny,
                _ => Expect::Refused("--threshold"),
            },
        },
        Case {
            name: "a high-S signature without --strict-low-s",
            high_s_input: true,
            artifact: None,
            extra: vec![],
            expect: |_| Expect::Ok,
        },
        Case {
            name: "a high-S signature with --strict-low-s",
            high_s_input: true,
            artifact: None,
            extra: s(&["--strict-low-s"]),
            expect: |_| Expect::Deny,
        },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        for kind in KINDS {
            let out = f.run(kind, case.high_s_input, case.artifact, &case.extra);
            let expect = (case.expect)(kind);
            let ok = match expect {
                Expect::Ok => out.code == 0 && out.stdout.starts_with("Verified OK"),
                Expect::Deny => {
                    out.code == 1
                        && out.stderr.contains("verification failed")
                        && !out.stdout.contains("Verified OK")
                }
                Expect::Refused(flag) => {
                    out.code == 2
                        && out.stderr.contains(flag)
                        && !out.stdout.contains("Verified OK")
                }
            };
            if !ok {
                failures.push(format!(
                    "{} on {kind:?}: expected {expect:?}, got exit {} stdout {:?} stderr {:?}",
                    case.name, out.code, out.stdout, out.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bundle_only_flags_are_refused_for_an_envelope() {
    let f = Fixture::new();
    for extra in [
        vec!["--rekor-key".to_owned(), f.path("rekor.pub")],
        vec!["--trusted-root".to_owned(), f.path("rekor.pub")],
    ] {
        let out = f.run(Kind::Envelope, false, None, &extra);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(
            out.stderr.contains("--rekor-key / --trusted-root"),
            "{out:?}"
        );
        assert!(!out.stdout.contains("Verified OK"), "{out:?}");
    }
}

#[test]
fn dsse_bundle_summary_reports_the_statement() {
    let f = Fixture::new();
    let out = f.run(Kind::DsseV03, false, None, &s(&["--json"]));
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["kind"], "sigstore-bundle");
    assert_eq!(v["predicateType"], PREDICATE_TYPE);
    assert_eq!(v["statementType"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        v["subjects"][0]["digest"]["sha256"],
        f.artifact_digest().strip_prefix("sha256:").unwrap()
    );
    assert_eq!(v["keyId"], f.author_id);
}

#[test]
fn a_dsse_bundle_of_another_payload_type_does_not_verify() {
    // `stella verify` verifies in-toto statements: a bundle whose (correctly signed and logged)
    // envelope carries another payload type is not "Verified OK", as for a plain envelope.
    let f = Fixture::new();
    let out = stella()
        .args(["verify", &f.path("other-type.json")])
        .args(["--key", &f.path("author.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("payload type"), "{stderr}");
}
