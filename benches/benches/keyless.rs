//! Keyless Sigstore bundle verification in-process (`Bundle::verify` against a full trusted
//! root: certificate chain, SCT, signing times, log entries, signature, identity), on real
//! bundles of the sigstore-conformance suite: a Rekor v1 message signature (SET + inclusion
//! proof), a DSSE bundle with an RFC 3161 timestamp, and a Rekor v2 bundle. Parsing the bundle
//! and the trusted root is measured apart. Target (issue 19): ≤ 1 ms per verification.
//!
//! `verify` reuses one parsed `TrustedRoot`, as a verifier of many bundles does: its link
//! cache then answers the trusted root's internal certificate signatures (Fulcio intermediate
//! under root, TSA certificate under its CA) after the first bundle; the bundle's own leaf
//! certificate, SCT, log entries, timestamps and signature are verified every time.
//! `verify_fresh_root` parses the trusted root anew for each bundle (a one-shot verifier such
//! as the `stella` command, where nothing is cached). Each also prints the minimum and the
//! median of 200 single verifications against a just-parsed root (cold link cache: the cost
//! before the cache existed) and against the shared one (warm), alternating
//! (`KEYLESS_SAMPLES` to change): a shared, noisy machine reports those more honestly than
//! the mean.
//!
//! Run: `cargo bench -p stella-benches --bench keyless`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use stella_attest::transparency::bundle::{ArtifactInput, Bundle, TrustedRoot, VerificationPolicy};
use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore/conformance")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn bench(c: &mut Criterion) {
    let policy = VerificationPolicy::identity(CertificateIdentity::new(
        StringMatcher::exact(IDENTITY),
        StringMatcher::exact(ISSUER),
    ));
    let s = suite();
    for (label, case, root, artifact) in [
        (
            "rekor_v1_message_signature",
            "happy-path-v0.3",
            s.join("production.trusted_root.json"),
            s.join("a.txt"),
        ),
        (
            "dsse_with_tsa",
            "intoto-with-custom-trust-root",
            s.join("bundle-verify/intoto-with-custom-trust-root/trusted_root.json"),
            s.join("bundle-verify/intoto-with-custom-trust-root/artifact"),
        ),
        (
            "rekor_v2_with_tsa",
            "rekor2-happy-path",
            s.join("bundle-verify/rekor2-happy-path/trusted_root.json"),
            s.join("a.txt"),
        ),
    ] {
        let bundle_json = read(&s.join(format!("bundle-verify/{case}/bundle.sigstore.json")));
        let root_json = read(&root);
        let artifact = read(&artifact);
        let bundle = Bundle::parse(&bundle_json).unwrap();
        let root = TrustedRoot::from_json(&root_json).unwrap();
        bundle
            .verify(&policy, ArtifactInput::Bytes(&artifact), &root)
            .unwrap();
        c.bench_function(&format!("keyless/verify/{label}"), |b| {
            b.iter(|| {
                black_box(&bundle)
                    .verify(&policy, ArtifactInput::Bytes(black_box(&artifact)), &root)
                    .unwrap()
            })
        });
        c.bench_function(&format!("keyless/verify_fresh_root/{label}"), |b| {
            b.iter(|| {
                let fresh = TrustedRoot::from_json(black_box(&root_json)).unwrap();
                black_box(&bundle)
                    .verify(&policy, ArtifactInput::Bytes(black_box(&artifact)), &fresh)
                    .unwrap()
            })
        });
        let samples: usize = std::env::var("KEYLESS_SAMPLES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200);
        // Single verifications, alternating: against a root parsed just before (untimed), whose
        // link cache is empty (what the code before the cache did every time), and against the
        // shared, warm root.
        let time = |root: &TrustedRoot| {
            let start = Instant::now();
            black_box(&bundle)
                .verify(&policy, ArtifactInput::Bytes(black_box(&artifact)), root)
                .unwrap();
            start.elapsed().as_secs_f64() * 1e3
        };
        let (mut cold, mut warm) = (Vec::new(), Vec::new());
        for _ in 0..samples {
            let fresh = TrustedRoot::from_json(&root_json).unwrap();
            cold.push(time(&fresh));
            warm.push(time(&root));
        }
        for (what, times) in [("cold root", &mut cold), ("warm root", &mut warm)] {
            times.sort_by(f64::total_cmp);
            if let (Some(min), Some(median)) = (times.first(), times.get(times.len() / 2)) {
                eprintln!(
                    "keyless/verify/{label} ({what}): min {min:.3} ms, median {median:.3} ms over {samples} single verifications"
                );
            }
        }
        c.bench_function(&format!("keyless/parse_bundle/{label}"), |b| {
            b.iter(|| Bundle::parse(black_box(&bundle_json)).unwrap())
        });
        c.bench_function(&format!("keyless/parse_trusted_root/{label}"), |b| {
            b.iter(|| TrustedRoot::from_json(black_box(&root_json)).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
