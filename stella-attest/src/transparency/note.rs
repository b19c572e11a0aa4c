//! C2SP signed notes (`c2sp.org/signed-note`) and transparency log checkpoints
//! (`c2sp.org/tlog-checkpoint`).
//!
//! A signed note is a text ending in a newline, a blank line, and one or more signature lines
//! `— <key name> base64(key id (4 bytes, big-endian) || signature)`. A checkpoint is a note whose
//! text is the log origin, the tree size in decimal, the base64 root hash, and optional
//! extension lines.
//!
//! Two signature types are supported, as Go's sumdb / `golang.org/x/mod/sumdb/note` and Rekor
//! use them:
//! - Ed25519 (type `0x01`): key id = `SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]`;
//! - ECDSA P-256 with SHA-256, ASN.1 DER signatures (type `0x02`, as Rekor v1 signs its
//!   checkpoints): key id = `SHA-256(DER SubjectPublicKeyInfo)[:4]`.
//!
//! Verification follows the spec: signatures from unknown keys (name and id not both matching)
//! are ignored; a signature from a known key that fails is an error for the whole note; a note
//! with no verified signature from a known key is rejected.
//!
//! ```
//! use std::sync::Arc;
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_attest::transparency::merkle;
//! use stella_attest::transparency::note::{Checkpoint, NoteSigner, NoteVerifier};
//! use stella_core::SignatureAlgorithm;
//!
//! let rng = SystemRandom::new();
//! let key = LocalSigner::new(PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng)?, rng)?;
//! let checkpoint = Checkpoint::new("example.com/log", 1, merkle::leaf_hash(b"hello"));
//! let note = checkpoint.sign(&[NoteSigner::new("example.com/log", &key)?])?;
//!
//! let public = key.public_key().clone();
//! let verifier = NoteVerifier::new("example.com/log", public.spki_der(), Arc::new(public.clone()))?;
//! let verified = Checkpoint::verify(note.0.as_bytes(), &[verifier])?;
//! assert_eq!(verified.checkpoint.size, 1);
//! assert_eq!(verified.signers, vec!["example.com/log".to_string()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use sha2::{Digest as _, Sha256};
use stella_core::{MerkleHash, SignatureAlgorithm, SignedCheckpoint, Signer, Verifier};

use super::{TransparencyError, b64};

/// The largest note accepted by [`SignedNote::parse`], in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// The largest number of signature lines accepted (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// Signature type byte of Ed25519 note signatures.
const SIG_TYPE_ED25519: u8 = 0x01;

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32-byte key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// One signature line of a note.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key id (big-endian).
    pub key_id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl fmt::Debug for NoteSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSignature")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("signature", &b64::encode(&self.signature))
            .finish()
    }
}

/// A parsed (not yet verified) signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Checks the key name rules: non-empty, no Unicode spaces, no `+`.
fn check_key_name(name: &str) -> Result<(), TransparencyError> {
    let bad = |reason| TransparencyError::BadKeyName {
        name: name.chars().take(64).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("empty"));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(bad("contains a space"));
    }
    if name.contains('+') {
        return Err(bad("contains '+'"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("contains a control character"));
    }
    Ok(())
}

impl SignedNote {
    /// Parses a signed note, checking its framing: valid UTF-8, no control characters other than
    /// newline, a text ending in a newline, a blank line, then only well-formed signature lines
    /// (each ending in a newline), no key (name, id) twice, at most [`MAX_SIGNATURES`] lines and
    /// [`MAX_NOTE_BYTES`] bytes.
    pub fn parse(input: &[u8]) -> Result<Self, TransparencyError> {
        if input.len() > MAX_NOTE_BYTES {
            return Err(TransparencyError::LimitExceeded {
                what: "signed note bytes",
                max: MAX_NOTE_BYTES,
                actual: input.len(),
            });
        }
        let text = std::str::from_utf8(input).map_err(|_| TransparencyError::NoteFormat {
            line: 0,
            reason: "not valid UTF-8",
        })?;
        if let Some(pos) = text.find(|c: char| c.is_control() && c != '\n') {
            return Err(TransparencyError::NoteFormat {
                line: text[..pos].matches('\n').count() + 1,
                reason: "control character other than newline",
            });
        }
        if !text.ends_with('\n') {
            return Err(TransparencyError::NoteFormat {
                line: text.matches('\n').count() + 1,
                reason: "does not end with a newline",
            });
        }
        // The text is separated from the signatures by the last blank line.
        let Some(split) = text.rfind("\n\n") else {
            return Err(TransparencyError::NoteFormat {
                line: 0,
                reason: "no blank line before the signatures",
            });
        };
        let body = &text[..split + 1];
        let sig_block = &text[split + 2..];
        let first_sig_line = body.matches('\n').count() + 2;
        if sig_block.is_empty() {
            return Err(TransparencyError::NoteFormat {
                line: first_sig_line,
                reason: "no signature lines",
            });
        }
        let mut signatures: Vec<NoteSignature> = Vec::new();
        // sig_block ends with '\n', so the last split piece is empty.
        let lines: Vec<&str> = sig_block.split('\n').collect();
        let count = lines.len().saturating_sub(1);
        if count > MAX_SIGNATURES {
            return Err(TransparencyError::LimitExceeded {
                what: "signed note signatures",
                max: MAX_SIGNATURES,
                actual: count,
            });
        }
        for (i, line) in lines.iter().take(count).enumerate() {
            let line_no = first_sig_line + i;
            let sig = parse_signature_line(line, line_no)?;
            if signatures
                .iter()
                .any(|s| s.name == sig.name && s.key_id == sig.key_id)
            {
                return Err(TransparencyError::DuplicateSignature {
                    name: sig.name,
                    key_id: sig.key_id,
                });
            }
            signatures.push(sig);
        }
        Ok(Self {
            text: body.to_owned(),
            signatures,
        })
    }

    /// The signed text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in the order they appear.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Signs `text` (which must end in a newline and have no control characters other than
    /// newline) with each signer; the signature lines are written in the order given.
    pub fn sign(text: &str, signers: &[NoteSigner<'_>]) -> Result<Self, TransparencyError> {
        if !text.ends_with('\n') {
            return Err(TransparencyError::NoteFormat {
                line: text.matches('\n').count() + 1,
                reason: "note text does not end with a newline",
            });
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(TransparencyError::NoteFormat {
                line: 0,
                reason: "control character other than newline",
            });
        }
        if signers.is_empty() {
            return Err(TransparencyError::NoteFormat {
                line: 0,
                reason: "no signer given",
            });
        }
        let mut signatures: Vec<NoteSignature> = Vec::with_capacity(signers.len());
        for signer in signers {
            let signature =
                signer
                    .signer
                    .sign(text.as_bytes())
                    .map_err(|e| TransparencyError::Key {
                        context: "signing a note",
                        source: Box::new(e),
                    })?;
            if signatures
                .iter()
                .any(|s| s.name == signer.name && s.key_id == signer.key_id)
            {
                return Err(TransparencyError::DuplicateSignature {
                    name: signer.name.to_owned(),
                    key_id: signer.key_id,
                });
            }
            signatures.push(NoteSignature {
                name: signer.name.to_owned(),
                key_id: signer.key_id,
                signature,
            });
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The full note: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for sig in &self.signatures {
            let mut raw = Vec::with_capacity(4 + sig.signature.len());
            raw.extend_from_slice(&sig.key_id.to_be_bytes());
            raw.extend_from_slice(&sig.signature);
            out.push_str("\u{2014} ");
            out.push_str(&sig.name);
            out.push(' ');
            out.push_str(&b64::encode(&raw));
            out.push('\n');
        }
        out
    }

    /// Verifies the note against the trusted keys: signatures by unknown keys are ignored, a
    /// failing signature by a known key is an error, and at least one known key must have
    /// signed. Returns the names of the keys whose signatures verified, sorted.
    pub fn verify(&self, trusted: &[NoteVerifier]) -> Result<Vec<String>, TransparencyError> {
        let mut verified: Vec<String> = Vec::new();
        for sig in &self.signatures {
            let Some(key) = trusted
                .iter()
                .find(|k| k.name == sig.name && k.key_id == sig.key_id)
            else {
                continue;
            };
            key.verifier
                .verify(self.text.as_bytes(), &sig.signature)
                .map_err(|_| TransparencyError::BadSignature {
                    name: sig.name.clone(),
                    what: "signed note",
                })?;
            verified.push(sig.name.clone());
        }
        if verified.is_empty() {
            let mut signers: Vec<String> = self.signatures.iter().map(|s| s.name.clone()).collect();
            signers.sort();
            signers.dedup();
            return Err(TransparencyError::NoTrustedSignature { signers });
        }
        verified.sort();
        verified.dedup();
        Ok(verified)
    }
}

fn parse_signature_line(line: &str, line_no: usize) -> Result<NoteSignature, TransparencyError> {
    let bad = |reason| TransparencyError::NoteFormat {
        line: line_no,
        reason,
    };
    let rest = line.strip_prefix("\u{2014} ").ok_or(bad(
        "signature line does not start with an em dash and a space",
    ))?;
    let (name, sig_b64) = rest.split_once(' ').ok_or(bad(
        "signature line has no space between key name and signature",
    ))?;
    check_key_name(name).map_err(|_| bad("invalid key name in signature line"))?;
    if sig_b64.contains(' ') {
        return Err(bad("signature line has extra fields"));
    }
    let raw =
        b64::decode(sig_b64, "note signature").map_err(|_| bad("signature is not valid base64"))?;
    let (id, signature) = raw
        .split_first_chunk::<4>()
        .ok_or(bad("signature shorter than its 4-byte key id"))?;
    if signature.is_empty() {
        return Err(bad("signature has a key id but no signature bytes"));
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes(*id),
        signature: signature.to_vec(),
    })
}

/// The note key id of a public key, as C2SP signed-note assigns it for the key's algorithm.
pub fn note_key_id(
    name: &str,
    algorithm: SignatureAlgorithm,
    spki_der: &[u8],
) -> Result<u32, TransparencyError> {
    let hash = note_key_hash(name, algorithm, spki_der)?;
    let (id, _) = hash
        .split_first_chunk::<4>()
        .ok_or(TransparencyError::UnsupportedKey {
            what: "signed note",
            reason: "hash too short",
        })?;
    Ok(u32::from_be_bytes(*id))
}

/// The full 32-byte hash whose first four bytes are the note key id ([`note_key_id`]).
/// Rekor v2 (rekor-tiles) uses it whole as the log id of a log whose checkpoints this key signs
/// under the name `name` (its origin).
pub fn note_key_hash(
    name: &str,
    algorithm: SignatureAlgorithm,
    spki_der: &[u8],
) -> Result<[u8; 32], TransparencyError> {
    Ok(match algorithm {
        SignatureAlgorithm::Ed25519 => {
            let raw = ed25519_raw_from_spki(spki_der)?;
            let mut h = Sha256::new();
            h.update(name.as_bytes());
            h.update([b'\n', SIG_TYPE_ED25519]);
            h.update(raw);
            h.finalize().into()
        }
        SignatureAlgorithm::EcdsaP256Sha256 => Sha256::digest(spki_der).into(),
        _ => {
            return Err(TransparencyError::UnsupportedKey {
                what: "signed note",
                reason: "only Ed25519 and ECDSA P-256 note keys are supported",
            });
        }
    })
}

/// The 32-byte Ed25519 key inside an RFC 8410 SubjectPublicKeyInfo.
fn ed25519_raw_from_spki(spki_der: &[u8]) -> Result<&[u8], TransparencyError> {
    match spki_der.strip_prefix(&ED25519_SPKI_PREFIX[..]) {
        Some(raw) if raw.len() == 32 => Ok(raw),
        _ => Err(TransparencyError::UnsupportedKey {
            what: "signed note",
            reason: "Ed25519 key is not a 44-byte RFC 8410 SubjectPublicKeyInfo",
        }),
    }
}

/// A trusted note key: its name, key id and a verifier for its signatures.
#[derive(Debug, Clone)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    verifier: Arc<dyn Verifier>,
}

impl NoteVerifier {
    /// A trusted key named `name` whose public key is `spki_der` (DER SubjectPublicKeyInfo);
    /// the key id is derived by the verifier's algorithm (Ed25519 or ECDSA P-256).
    pub fn new(
        name: &str,
        spki_der: &[u8],
        verifier: Arc<dyn Verifier>,
    ) -> Result<Self, TransparencyError> {
        check_key_name(name)?;
        let key_id = note_key_id(name, verifier.algorithm(), spki_der)?;
        Ok(Self {
            name: name.to_owned(),
            key_id,
            verifier,
        })
    }

    /// A trusted key with an explicitly given key id (for key types whose id is assigned
    /// elsewhere).
    pub fn with_key_id(
        name: &str,
        key_id: u32,
        verifier: Arc<dyn Verifier>,
    ) -> Result<Self, TransparencyError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id,
            verifier,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }
}

/// A note signing key: a name and a [`Signer`] (Ed25519 or ECDSA P-256).
#[derive(Debug, Clone, Copy)]
pub struct NoteSigner<'a> {
    name: &'a str,
    key_id: u32,
    signer: &'a dyn Signer,
}

impl<'a> NoteSigner<'a> {
    /// A signer named `name`; the key id comes from the signer's public key and algorithm.
    pub fn new(name: &'a str, signer: &'a dyn Signer) -> Result<Self, TransparencyError> {
        check_key_name(name)?;
        let key_id = note_key_id(name, signer.algorithm(), &signer.public_key_spki_der())?;
        Ok(Self {
            name,
            key_id,
            signer,
        })
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }
}

/// A transparency log checkpoint (C2SP tlog-checkpoint): the body of a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line (unique name of the log).
    pub origin: String,
    /// The number of entries in the tree.
    pub size: u64,
    /// The RFC 9162 root hash of that tree.
    pub root_hash: MerkleHash,
    /// Extension lines (without their newline), in order; each is non-empty.
    pub extensions: Vec<String>,
}

/// A checkpoint whose note signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Names of the trusted keys that signed it, sorted.
    pub signers: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint with no extension lines.
    pub fn new(origin: &str, size: u64, root_hash: MerkleHash) -> Self {
        Self {
            origin: origin.to_owned(),
            size,
            root_hash,
            extensions: Vec::new(),
        }
    }

    /// Parses a checkpoint body (a note's text, ending in a newline).
    pub fn parse_body(text: &str) -> Result<Self, TransparencyError> {
        let bad = |line, reason| TransparencyError::NoteFormat { line, reason };
        let Some(body) = text.strip_suffix('\n') else {
            return Err(bad(0, "checkpoint does not end with a newline"));
        };
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(bad(1, "checkpoint origin line is empty"));
        }
        let size_text = lines
            .next()
            .ok_or(bad(2, "checkpoint has no tree size line"))?;
        let size = parse_decimal(size_text).ok_or(bad(
            2,
            "checkpoint tree size is not a decimal number without leading zeros",
        ))?;
        let root_text = lines
            .next()
            .ok_or(bad(3, "checkpoint has no root hash line"))?;
        let root_hash = b64::decode_hash(root_text, "checkpoint root hash")
            .map_err(|_| bad(3, "checkpoint root hash is not base64 of 32 bytes"))?;
        let mut extensions = Vec::new();
        for (i, ext) in lines.enumerate() {
            if ext.is_empty() {
                return Err(bad(4 + i, "checkpoint extension line is empty"));
            }
            extensions.push(ext.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root_hash,
            extensions,
        })
    }

    /// The checkpoint body: origin, size, base64 root hash and extension lines, each ending
    /// in a newline.
    pub fn to_body(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            b64::encode(&self.root_hash.0)
        );
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// Signs the checkpoint body as a note.
    pub fn sign(&self, signers: &[NoteSigner<'_>]) -> Result<SignedCheckpoint, TransparencyError> {
        self.check_writable()?;
        let note = SignedNote::sign(&self.to_body(), signers)?;
        Ok(SignedCheckpoint(note.to_text()))
    }

    fn check_writable(&self) -> Result<(), TransparencyError> {
        let bad = |line, reason| TransparencyError::NoteFormat { line, reason };
        if self.origin.is_empty() || self.origin.contains('\n') {
            return Err(bad(1, "checkpoint origin must be one non-empty line"));
        }
        for (i, ext) in self.extensions.iter().enumerate() {
            if ext.is_empty() || ext.contains('\n') {
                return Err(bad(
                    4 + i,
                    "checkpoint extension must be one non-empty line",
                ));
            }
        }
        Ok(())
    }

    /// Parses a signed checkpoint note without verifying it (for inspection only: its content
    /// must not be trusted until [`Checkpoint::verify`] succeeded).
    pub fn parse_unverified(note: &[u8]) -> Result<(Self, SignedNote), TransparencyError> {
        let note = SignedNote::parse(note)?;
        let checkpoint = Self::parse_body(note.text())?;
        Ok((checkpoint, note))
    }

    /// Parses and verifies a signed checkpoint against the trusted note keys.
    pub fn verify(
        note: &[u8],
        trusted: &[NoteVerifier],
    ) -> Result<VerifiedCheckpoint, TransparencyError> {
        let (checkpoint, note) = Self::parse_unverified(note)?;
        let signers = note.verify(trusted)?;
        Ok(VerifiedCheckpoint {
            checkpoint,
            signers,
        })
    }

    /// Checks that this checkpoint commits to the given tree size and root.
    pub fn check_matches(
        &self,
        size: u64,
        root_hash: &MerkleHash,
        against: &'static str,
    ) -> Result<(), TransparencyError> {
        if self.size != size {
            return Err(TransparencyError::CheckpointMismatch {
                field: "tree size",
                checkpoint: self.size.to_string(),
                against,
                other: size.to_string(),
            });
        }
        if self.root_hash != *root_hash {
            return Err(TransparencyError::CheckpointMismatch {
                field: "root hash",
                checkpoint: hex::encode(self.root_hash.0),
                against,
                other: hex::encode(root_hash.0),
            });
        }
        Ok(())
    }
}

/// Parses a decimal `u64` with no sign and no leading zeros (except `0` itself).
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}
