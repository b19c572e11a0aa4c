//! [`Bundle::verify`]: full offline verification against a [`TrustedRoot`], keyless (Fulcio
//! certificate) or key-based, with the signing-time rules of sigstore-go.
//!
//! Order of the checks for a keyless bundle (each recorded in the [`VerificationReport`]):
//!
//! 1. `bundle`: media type and structure;
//! 2. `verification material`: a keyless bundle needs an identity policy, a key-based one a key;
//! 3. `certificate`: the leaf parses as a Fulcio certificate (one SAN, an OIDC issuer) and is
//!    not a CA; a chain carried in the bundle may not contain a self-signed (root) certificate
//!    — trust comes only from the trusted root;
//! 4. `tlog`: every entry is from a trusted log whose key is valid at the entry's integrated
//!    time, and its SET / inclusion proof / checkpoint verify (at least the policy's threshold of
//!    entries, one by default);
//! 5. `timestamps`: the verified signing times — each Rekor v1 integrated time signed by a
//!    verified SET, each RFC 3161 timestamp (every one must verify against a timestamp
//!    authority of the trusted root, one per authority); at least one;
//! 6. `certificate validity`, `certificate chain`: at **every** verified time, the leaf is
//!    within its validity and chains (code-signing EKU) to a Fulcio CA of the trusted root
//!    that is valid at that time;
//! 7. `sct`: at least one embedded SCT (the policy's threshold) verifies under a CT log of the
//!    trusted root;
//! 8. `signature`: over the artifact (message signature; the message digest must match) or the
//!    DSSE PAE (a given artifact must be a subject of the in-toto statement), under the
//!    certificate's key;
//! 9. `tlog entry content`: each entry's body records this signature, content and certificate;
//! 10. `identity`: the certificate's SAN, issuer and claims satisfy the policy.
//!
//! A key-based bundle runs `bundle`, `verification material`, `signature` (under the caller's
//! key), `tlog` (with the body checks) and `timestamps`.
//!
//! sigstore-go's defaults are the thresholds: one transparency log entry, one observer
//! timestamp, one SCT. The log and SCT thresholds can be lowered by name
//! ([`VerificationPolicy::with_tlog_threshold`], [`VerificationPolicy::with_sct_threshold`]:
//! GitHub's timestamp-only attestations); a signing time is always required.

use super::policy::{Checks, SignerPolicy};
use super::{
    ArtifactInput, Bundle, BundleVersion, TimestampSource, TrustRoot, TrustedRoot, Verification,
    VerificationPolicy, VerificationReport, VerifiedSigner, VerifiedTimestamp,
};
use crate::keys::PublicKey;
use crate::transparency::TransparencyError;
use crate::transparency::fulcio::{FulcioCertificate, rfc3339};
use crate::transparency::identity::IdentityPolicy;
use crate::transparency::rekor::{BodySigner, RekorLogKey, VerifiedEntry};
use crate::transparency::rekor_v2::{
    LoggedContent, LoggedHashAlgorithm, LoggedSigner, RekorV2Entry, RekorV2Log, VerifiedV2Entry,
    is_v2_kind, verify_entry as verify_v2_entry,
};
use crate::transparency::sct::verify_embedded_scts;
use crate::transparency::timestamp::verify_timestamp_cached;
use crate::transparency::x509::{
    ExtendedKeyUsage, LinkCache, ParsedCertificate, verify_chain_cached,
};

/// The most RFC 3161 timestamps read from one bundle.
pub const MAX_RFC3161_TIMESTAMPS: usize = 16;

impl Bundle {
    /// Verifies the bundle offline against `root` under `policy` (see the module docs for
    /// every check) and returns what was verified: the content, the signer (for a keyless
    /// bundle its certificate identity and issuer), the log entries and the signing times.
    ///
    /// ```
    /// use stella_attest::transparency::bundle::{ArtifactInput, Bundle, TrustedRoot, VerificationPolicy};
    /// use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};
    /// # let dir = "../tests/vectors/sigstore/conformance";
    /// # let bundle_json = std::fs::read(format!("{dir}/bundle-verify/happy-path-v0.3/bundle.sigstore.json")).unwrap();
    /// # let root_json = std::fs::read(format!("{dir}/production.trusted_root.json")).unwrap();
    /// # let artifact = std::fs::read(format!("{dir}/a.txt")).unwrap();
    ///
    /// let bundle = Bundle::parse(&bundle_json)?;
    /// let root = TrustedRoot::from_json(&root_json)?;
    /// let policy = VerificationPolicy::identity(CertificateIdentity::new(
    ///     StringMatcher::exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"),
    ///     StringMatcher::exact("https://token.actions.githubusercontent.com"),
    /// ));
    /// let verified = bundle.verify(&policy, ArtifactInput::Bytes(&artifact), &root)?;
    /// assert_eq!(verified.timestamps.len(), 1);
    /// # Ok::<(), stella_attest::transparency::TransparencyError>(())
    /// ```
    pub fn verify(
        &self,
        policy: &VerificationPolicy,
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
    ) -> Result<Verification, TransparencyError> {
        self.verify_report(policy, artifact, root).result
    }

    /// As [`Bundle::verify`], with the list of every check run and its result (for a `--json`
    /// report, printed on failure too).
    pub fn verify_report(
        &self,
        policy: &VerificationPolicy,
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
    ) -> VerificationReport {
        let mut checks = Checks::default();
        let result = self.run_checks(policy, artifact, root, &mut checks);
        VerificationReport {
            checks: checks.0,
            result,
        }
    }

    fn run_checks(
        &self,
        policy: &VerificationPolicy,
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
        checks: &mut Checks,
    ) -> Result<Verification, TransparencyError> {
        let version = checks.run("bundle", || {
            let v = self.check_structure()?;
            Ok((v, format!("{v:?}")))
        })?;
        let signer = checks.run("verification material", || {
            match (&policy.signer, self.is_key_based()) {
                (SignerPolicy::Key(k), true) => Ok((Signer::Key(k), "public key".to_owned())),
                (SignerPolicy::Identity(i), false) => Ok((
                    Signer::Identity(i),
                    "certificate (keyless)".to_owned(),
                )),
                (SignerPolicy::Key(_), false) => Err(TransparencyError::WrongVerificationMaterial {
                    reason: "a key was given but the bundle is keyless (it carries a certificate)",
                }),
                (SignerPolicy::Identity(_), true) => {
                    Err(TransparencyError::WrongVerificationMaterial {
                        reason: "the bundle is key-based: verify it with its public key",
                    })
                }
            }
        })?;
        let limits = Thresholds {
            tlog: policy.tlog_threshold,
            sct: policy.sct_threshold,
        };
        match signer {
            Signer::Key(key) => self.verify_key_full(version, key, artifact, root, limits, checks),
            Signer::Identity(identity) => {
                self.verify_keyless(version, identity, artifact, root, limits, checks)
            }
        }
    }

    fn verify_key_full(
        &self,
        version: BundleVersion,
        key: &PublicKey,
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
        limits: Thresholds,
        checks: &mut Checks,
    ) -> Result<Verification, TransparencyError> {
        let content = checks.run("signature", || {
            let c = self.verify_signature(key, artifact, false)?;
            Ok((c, format!("verified under key {}", key.key_id())))
        })?;
        let (entries, timestamps) = self.tlog_and_times(
            checks,
            version,
            (
                Some(BodySigner::Key(key.spki_der())),
                LoggedSigner::PublicKey(key.spki_der()),
            ),
            artifact,
            root,
            limits.tlog,
        )?;
        Ok(Verification {
            version,
            content,
            signer: VerifiedSigner::Key {
                key_id: key.key_id().to_owned(),
            },
            log_entries: entries.v1,
            rekor_v2_entries: entries.v2,
            timestamps,
        })
    }

    /// The `tlog` and `timestamps` checks (see [`Bundle::verify_tlog`] and
    /// [`Bundle::signing_times`]); `signers`: who the Rekor v1 bodies (when given) and the
    /// Rekor v2 bodies must name.
    fn tlog_and_times(
        &self,
        checks: &mut Checks,
        version: BundleVersion,
        (signer, v2_signer): (Option<BodySigner<'_>>, LoggedSigner<'_>),
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
        tlog_threshold: usize,
    ) -> Result<(Tlog, Vec<VerifiedTimestamp>), TransparencyError> {
        let entries = checks.run("tlog", || {
            let e = self.verify_tlog(version, signer, v2_signer, artifact, root, tlog_threshold)?;
            let detail = e.detail();
            Ok((e, detail))
        })?;
        let timestamps = checks.run("timestamps", || self.signing_times(&entries, root))?;
        Ok((entries, timestamps))
    }

    fn verify_keyless(
        &self,
        version: BundleVersion,
        identity: &IdentityPolicy,
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
        limits: Thresholds,
        checks: &mut Checks,
    ) -> Result<Verification, TransparencyError> {
        let leaf = checks.run("certificate", || {
            let leaf = self.keyless_leaf()?;
            let id = leaf.identity();
            let detail = format!("SAN {:?}, issuer {:?}", id.san, id.issuer);
            Ok((leaf, detail))
        })?;
        let (entries, timestamps) = self.tlog_and_times(
            checks,
            version,
            (None, LoggedSigner::Certificate(leaf.der())),
            artifact,
            root,
            limits.tlog,
        )?;
        checks.run("certificate validity", || {
            for t in &timestamps {
                leaf.check_valid_at(t.unix_seconds, source_name(&t.source))?;
            }
            Ok(((), format!("valid at {} signing time(s)", timestamps.len())))
        })?;
        let issuer_spki = checks.run("certificate chain", || {
            let mut issuer = None;
            // The leaf's own link is checked once per bundle however many signing times it
            // has; the root's internal links once per trusted root.
            let this_leaf = LinkCache::for_certificates([leaf.der()]);
            let caches = [root.link_cache(), &this_leaf];
            for t in &timestamps {
                let chain = verify_chain_cached(
                    leaf.der(),
                    &[],
                    root.certificate_authorities(),
                    t.unix_seconds,
                    ExtendedKeyUsage::CodeSigning,
                    &caches,
                )?;
                let issuer_der =
                    chain
                        .chain
                        .get(1)
                        .ok_or_else(|| TransparencyError::MissingField {
                            what: "verified certificate chain",
                            field: "issuer",
                        })?;
                issuer = Some(ParsedCertificate::parse(issuer_der)?.spki_der()?);
            }
            let issuer = issuer.ok_or(TransparencyError::NoVerifiedTimestamp {
                reason: "no signing time to check the chain at".to_owned(),
            })?;
            Ok((
                issuer,
                "chains to a trusted Fulcio CA at every signing time".to_owned(),
            ))
        })?;
        let scts = checks.run("sct", || {
            if limits.sct == 0 {
                return Ok((
                    Vec::new(),
                    "NOT CHECKED (the policy's SCT threshold is 0)".to_owned(),
                ));
            }
            let scts = verify_embedded_scts(&leaf, &issuer_spki, root.ctlogs())?;
            if scts.len() < limits.sct {
                return Err(TransparencyError::BelowThreshold {
                    what: "SCTs",
                    found: scts.len(),
                    required: limits.sct,
                });
            }
            let detail = format!("{} SCT(s) verified", scts.len());
            Ok((scts, detail))
        })?;
        let key_id = crate::keys::key_id_of_spki(leaf.spki_der());
        let content = checks.run("signature", || {
            let c = self.check_content(
                artifact,
                &|m, s, w| leaf.verify(m, s, w),
                leaf.spki_der(),
                &key_id,
            )?;
            Ok((c, "verified under the certificate's key".to_owned()))
        })?;
        checks.run("tlog entry content", || {
            for e in &entries.v1 {
                self.check_body(
                    &e.body,
                    BodySigner::Certificate(leaf.der()),
                    artifact.digest(),
                )?;
            }
            Ok((
                (),
                "each entry records this signature, content and certificate".to_owned(),
            ))
        })?;
        checks.run("identity", || {
            identity.check(leaf.identity())?;
            let detail = if identity.is_insecure() {
                "NOT CHECKED (insecure ignore identity)".to_owned()
            } else {
                format!(
                    "{:?} from {:?}",
                    leaf.identity().san,
                    leaf.identity().issuer
                )
            };
            Ok(((), detail))
        })?;
        Ok(Verification {
            version,
            content,
            signer: VerifiedSigner::Certificate {
                identity: leaf.identity().clone(),
                scts,
            },
            log_entries: entries.v1,
            rekor_v2_entries: entries.v2,
            timestamps,
        })
    }

    /// The leaf certificate of a keyless bundle; a carried chain must not hold a self-signed
    /// certificate (sigstore-python refuses it; trust comes from the trusted root only).
    fn keyless_leaf(&self) -> Result<FulcioCertificate, TransparencyError> {
        let leaf_der = self
            .leaf_certificate()
            .ok_or(TransparencyError::MissingField {
                what: "keyless bundle",
                field: "certificate",
            })?;
        if let Some(chain) = &self.verification_material.x509_certificate_chain {
            for c in chain.certificates.iter().skip(1) {
                let parsed = ParsedCertificate::parse(&c.raw_bytes)?;
                if parsed.issuer_der()? == parsed.subject_der()? {
                    return Err(TransparencyError::InvalidField {
                        field: "x509CertificateChain",
                        value: String::new(),
                        reason: "the bundle's chain holds a self-signed root certificate",
                    });
                }
            }
        }
        let leaf = FulcioCertificate::from_der(leaf_der)?;
        if leaf.parsed().is_ca()? {
            return Err(TransparencyError::Certificate {
                what: "leaf certificate",
                problem: crate::transparency::x509::CertificateProblem::CaAsLeaf,
            });
        }
        Ok(leaf)
    }

    /// The log entries, each against the trusted root's logs: Rekor v1 entries (key valid at
    /// the integrated time; SET, proof, checkpoint; the body when `signer` is given) and Rekor
    /// v2 entries (checkpoint-only inclusion, and always the body against `v2_signer`). At
    /// least one entry.
    fn verify_tlog(
        &self,
        version: BundleVersion,
        signer: Option<BodySigner<'_>>,
        v2_signer: LoggedSigner<'_>,
        artifact: ArtifactInput<'_>,
        root: &TrustedRoot,
        threshold: usize,
    ) -> Result<Tlog, TransparencyError> {
        let entries = &self.verification_material.tlog_entries;
        if entries.is_empty() && threshold > 0 {
            return Err(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "tlogEntries",
            });
        }
        if entries.len() < threshold {
            return Err(TransparencyError::BelowThreshold {
                what: "transparency log entries",
                found: entries.len(),
                required: threshold,
            });
        }
        let lookup = |id: &[u8; 32]| -> Result<RekorLogKey, TransparencyError> {
            root.tlog(id)?.rekor_key()
        };
        let mut out = Tlog::default();
        let mut v2_logs: Option<Vec<RekorV2Log>> = None;
        for entry in entries {
            let log = root.tlog(&entry.log_id.key_id)?;
            if is_v2_kind(&entry.kind_version.kind, &entry.kind_version.version) {
                let logs = v2_logs.get_or_insert_with(|| v2_logs_of(root));
                let content = self.logged_content(artifact)?;
                let le = entry.to_log_entry()?;
                let v2 = RekorV2Entry {
                    kind: entry.kind_version.kind.clone(),
                    version: entry.kind_version.version.clone(),
                    log_id: entry.log_id.key_id.clone(),
                    log_index: le.log_index,
                    body: le.body,
                    inclusion_proof: le.inclusion_proof,
                };
                let sigs: Vec<&[u8]>;
                let content = match &content {
                    Content::Message {
                        algorithm,
                        digest,
                        signature,
                    } => LoggedContent::MessageSignature {
                        algorithm: *algorithm,
                        digest,
                        signature,
                    },
                    Content::Envelope(env) => {
                        sigs = env.signatures.iter().map(|s| s.sig.as_slice()).collect();
                        LoggedContent::Envelope {
                            payload_type: &env.payload_type,
                            payload: &env.payload,
                            signatures: &sigs,
                        }
                    }
                };
                out.v2
                    .push(verify_v2_entry(&v2, &content, &v2_signer, logs, None)?);
                continue;
            }
            // Rekor v1: the log key must be valid when the entry was integrated.
            log.check_valid_at(entry.integrated_time, "transparency log key")?;
            out.v1.push(self.verify_v1_entry(
                entry,
                version,
                signer,
                artifact.digest(),
                &lookup,
            )?);
        }
        Ok(out)
    }

    /// What a Rekor v2 body must record of this bundle's content.
    fn logged_content(
        &self,
        artifact: ArtifactInput<'_>,
    ) -> Result<Content<'_>, TransparencyError> {
        if let Some(ms) = &self.message_signature {
            let (algorithm, digest) = match (&ms.message_digest, artifact) {
                (Some(md), ArtifactInput::Bytes(bytes)) => {
                    let algorithm = LoggedHashAlgorithm::from_proto_name(&md.algorithm)?;
                    let digest = algorithm.digest(bytes);
                    if digest != md.digest {
                        return Err(TransparencyError::Mismatch {
                            what: "message signature",
                            field: "messageDigest (differs from the artifact's digest)",
                        });
                    }
                    (algorithm, digest)
                }
                (Some(md), _) => (
                    LoggedHashAlgorithm::from_proto_name(&md.algorithm)?,
                    md.digest.clone(),
                ),
                (None, ArtifactInput::Bytes(bytes)) => (
                    LoggedHashAlgorithm::Sha256,
                    LoggedHashAlgorithm::Sha256.digest(bytes),
                ),
                (None, ArtifactInput::Sha256(d)) => {
                    (LoggedHashAlgorithm::Sha256, d.as_bytes().to_vec())
                }
                (None, ArtifactInput::None) => {
                    return Err(TransparencyError::MissingField {
                        what: "message signature",
                        field: "messageDigest (or the artifact)",
                    });
                }
            };
            return Ok(Content::Message {
                algorithm,
                digest,
                signature: &ms.signature,
            });
        }
        self.dsse_envelope
            .as_ref()
            .map(Content::Envelope)
            .ok_or(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "messageSignature or dsseEnvelope",
            })
    }

    /// The bytes an RFC 3161 timestamp of this bundle covers: the message signature, or the DSSE
    /// envelope's signature.
    fn signature_bytes(&self) -> Result<&[u8], TransparencyError> {
        if let Some(ms) = &self.message_signature {
            return Ok(&ms.signature);
        }
        self.dsse_envelope
            .as_ref()
            .and_then(|e| e.signatures.first())
            .map(|s| s.sig.as_slice())
            .ok_or(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "signature",
            })
    }

    /// The verified signing times: integrated times signed by a verified SET, and RFC 3161
    /// timestamps from trusted authorities (every one must verify); at least one.
    fn signing_times(
        &self,
        entries: &Tlog,
        root: &TrustedRoot,
    ) -> Result<(Vec<VerifiedTimestamp>, String), TransparencyError> {
        let mut out = Vec::new();
        for e in &entries.v1 {
            if e.set_verified {
                out.push(VerifiedTimestamp {
                    source: TimestampSource::TransparencyLog {
                        log_index: e.log_index,
                    },
                    unix_seconds: e.integrated_time,
                });
            }
        }
        let tokens = self
            .verification_material
            .timestamp_verification_data
            .as_ref()
            .map(|t| t.rfc3161_timestamps.as_slice())
            .unwrap_or_default();
        TransparencyError::check_limit(
            "RFC 3161 timestamps in a bundle",
            MAX_RFC3161_TIMESTAMPS,
            tokens.len(),
        )?;
        if !tokens.is_empty() {
            let signature = self.signature_bytes()?;
            for token in tokens {
                // Stricter than sigstore-go, which skips a timestamp that does not verify:
                // a bundle carrying a bad timestamp is refused.
                let ts = verify_timestamp_cached(
                    &token.signed_timestamp,
                    signature,
                    root.timestamp_authorities(),
                    &[root.link_cache()],
                )?;
                if out.iter().any(|t: &VerifiedTimestamp| {
                    t.source
                        == TimestampSource::Rfc3161 {
                            authority: ts.authority_index,
                        }
                }) {
                    return Err(TransparencyError::InvalidField {
                        field: "rfc3161Timestamps",
                        value: String::new(),
                        reason: "two timestamps from the same timestamp authority",
                    });
                }
                out.push(VerifiedTimestamp {
                    source: TimestampSource::Rfc3161 {
                        authority: ts.authority_index,
                    },
                    unix_seconds: ts.time,
                });
            }
        }
        // Rekor v2 entries have no integrated time: their log key must be valid at every
        // verified signing time.
        for entry in &self.verification_material.tlog_entries {
            if is_v2_kind(&entry.kind_version.kind, &entry.kind_version.version) {
                let log = root.tlog(&entry.log_id.key_id)?;
                for t in &out {
                    log.check_valid_at(t.unix_seconds, "transparency log key")?;
                }
            }
        }
        if out.is_empty() {
            return Err(TransparencyError::NoVerifiedTimestamp {
                reason: "no log entry has a verified signed entry timestamp and the bundle has no RFC 3161 timestamp".to_owned(),
            });
        }
        let detail = out
            .iter()
            .map(|t| format!("{} ({})", rfc3339(t.unix_seconds), source_name(&t.source)))
            .collect::<Vec<_>>()
            .join(", ");
        Ok((out, detail))
    }
}

fn source_name(s: &TimestampSource) -> &'static str {
    match s {
        TimestampSource::TransparencyLog { .. } => "transparency log integrated time",
        TimestampSource::Rfc3161 { .. } => "RFC 3161 timestamp",
    }
}

/// The policy's thresholds.
#[derive(Clone, Copy)]
struct Thresholds {
    tlog: usize,
    sct: usize,
}

/// The verified entries of both Rekor versions.
#[derive(Default)]
struct Tlog {
    v1: Vec<VerifiedEntry>,
    v2: Vec<VerifiedV2Entry>,
}

impl Tlog {
    fn detail(&self) -> String {
        format!(
            "{} Rekor v1 and {} Rekor v2 entr(y/ies) verified",
            self.v1.len(),
            self.v2.len()
        )
    }
}

/// A bundle's content as a Rekor v2 body records it.
enum Content<'a> {
    Message {
        algorithm: LoggedHashAlgorithm,
        digest: Vec<u8>,
        signature: &'a [u8],
    },
    Envelope(&'a super::Envelope),
}

/// The trusted root's logs as Rekor v2 logs (origin from the base URL); logs whose key or URL
/// does not fit are left out (an entry naming them is then from an unknown log).
fn v2_logs_of(root: &TrustedRoot) -> Vec<RekorV2Log> {
    root.tlogs()
        .iter()
        .filter_map(|l| {
            let key = PublicKey::from_spki_der(&l.key_bytes).ok()?;
            RekorV2Log::from_base_url(&l.base_url, &key, l.valid_for).ok()
        })
        .collect()
}

enum Signer<'a> {
    Key(&'a PublicKey),
    Identity(&'a IdentityPolicy),
}

impl TrustedRoot {
    /// The Rekor v1 logs as a [`TrustRoot`] (for [`Bundle::verify_with_key`]); logs whose key
    /// this crate cannot verify with are left out.
    pub fn rekor_trust_root(&self) -> TrustRoot {
        TrustRoot::new(
            self.tlogs()
                .iter()
                .filter_map(|l| l.rekor_key().ok())
                .collect(),
        )
    }
}
