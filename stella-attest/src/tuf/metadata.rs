//! The four top-level TUF metadata documents, parsed from untrusted bytes with bounds checked
//! first, and their signatures counted against a role's keys and threshold.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;
use stella_core::Timestamp;

use super::key::{TufKey, WireKey, truncate};
use super::{TufError, TufLimits, encode_canonical};

/// A top-level role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `root`.
    Root,
    /// `timestamp`.
    Timestamp,
    /// `snapshot`.
    Snapshot,
    /// `targets`.
    Targets,
}

impl Role {
    /// The role's name, which is also its metadata's `_type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Root => "root",
            Self::Timestamp => "timestamp",
            Self::Snapshot => "snapshot",
            Self::Targets => "targets",
        }
    }

    fn max_bytes(self, limits: &TufLimits) -> usize {
        match self {
            Self::Root => limits.max_root_bytes,
            Self::Timestamp => limits.max_timestamp_bytes,
            Self::Snapshot => limits.max_snapshot_bytes,
            Self::Targets => limits.max_targets_bytes,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Deserialize)]
struct WireMetadata {
    signatures: Vec<WireSignature>,
    signed: Value,
}

#[derive(Deserialize)]
struct WireSignature {
    keyid: String,
    sig: String,
}

/// The fields every `signed` object has.
#[derive(Deserialize)]
struct WireCommon {
    #[serde(rename = "_type")]
    metadata_type: String,
    spec_version: String,
    version: u64,
    expires: String,
}

#[derive(Deserialize)]
struct WireRoot {
    #[serde(default)]
    consistent_snapshot: Option<bool>,
    keys: BTreeMap<String, WireKey>,
    roles: BTreeMap<String, WireRole>,
}

#[derive(Deserialize)]
struct WireRole {
    keyids: Vec<String>,
    threshold: u64,
}

/// The length and hashes of a file as metadata records it (`meta` entries and targets).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FileInfo {
    /// For `meta` entries: the file's metadata version (targets have none).
    #[serde(default)]
    pub version: Option<u64>,
    /// Its length in bytes, when recorded.
    #[serde(default)]
    pub length: Option<u64>,
    /// Algorithm → lowercase hex digest, when recorded.
    #[serde(default)]
    pub hashes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct WireMeta {
    meta: BTreeMap<String, FileInfo>,
}

#[derive(Deserialize)]
struct WireTargets {
    targets: BTreeMap<String, FileInfo>,
    #[serde(default)]
    delegations: Option<Value>,
}

/// A role's key ids and threshold, from the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleKeys {
    pub(crate) keyids: BTreeSet<String>,
    pub(crate) threshold: u64,
}

/// A parsed root: its keys and the four roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RootData {
    pub(crate) consistent_snapshot: bool,
    pub(crate) keys: BTreeMap<String, TufKey>,
    pub(crate) roles: BTreeMap<Role, RoleKeys>,
}

/// What a document says beyond the common fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Root(RootData),
    /// `meta` of timestamp (only `snapshot.json`) or snapshot.
    Meta(BTreeMap<String, FileInfo>),
    Targets {
        targets: BTreeMap<String, FileInfo>,
        has_delegations: bool,
    },
}

/// A metadata document parsed (not yet trusted): its signed bytes, signatures and fields.
#[derive(Debug, Clone)]
pub(crate) struct Metadata {
    pub(crate) role: Role,
    pub(crate) version: u64,
    pub(crate) expires: Timestamp,
    pub(crate) body: Body,
    /// The OLPC canonical bytes of `signed`: what the signatures cover.
    canonical_signed: Vec<u8>,
    /// key id → the signatures (raw bytes) made under it, in document order.
    signatures: BTreeMap<String, Vec<Vec<u8>>>,
}

fn shape(role: Role, reason: impl std::fmt::Display) -> TufError {
    TufError::Shape {
        role,
        reason: truncate(&reason.to_string()),
    }
}

fn check_count(what: &'static str, count: usize, max: usize) -> Result<(), TufError> {
    if count > max {
        return Err(TufError::TooMany { what, count, max });
    }
    Ok(())
}

/// Parses `expires` as TUF writes it: `YYYY-MM-DDTHH:MM:SSZ` exactly (python-tuf's format).
fn parse_expires(role: Role, text: &str) -> Result<Timestamp, TufError> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(shape(
            role,
            format!("expires {text:?} is not YYYY-MM-DDTHH:MM:SSZ"),
        ));
    }
    Timestamp::parse_rfc3339(text).map_err(|e| shape(role, e))
}

/// Hex of the allowed digest lengths; anything else in a `hashes` map is refused at use.
fn check_hashes(role: Role, hashes: &BTreeMap<String, String>) -> Result<(), TufError> {
    for (alg, value) in hashes {
        if value.is_empty() || value.len() % 2 != 0 || !value.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(shape(role, format!("hash {alg} is not hex")));
        }
    }
    Ok(())
}

impl Metadata {
    /// Parses `bytes` as metadata of `role`: size bound, strict JSON (duplicate keys refused),
    /// `_type`, spec version 1.x, version ≥ 1, `expires`, the role's own fields, and counts of
    /// keys and signatures bounded by `limits`.
    pub(crate) fn parse(role: Role, bytes: &[u8], limits: &TufLimits) -> Result<Self, TufError> {
        let max = role.max_bytes(limits);
        if bytes.len() > max {
            return Err(TufError::TooLarge {
                what: role.name(),
                size: bytes.len() as u64,
                max: max as u64,
            });
        }
        let json_limits = stella_core::canonical::JsonLimits {
            max_depth: 32,
            max_bytes: max,
        };
        let wire: WireMetadata =
            stella_core::canonical::from_slice_strict_with(bytes, &json_limits)
                .map_err(|e| shape(role, e))?;
        check_count("signatures", wire.signatures.len(), limits.max_signatures)?;
        let common: WireCommon =
            serde_json::from_value(wire.signed.clone()).map_err(|e| shape(role, e))?;
        if common.metadata_type != role.name() {
            return Err(TufError::WrongType {
                expected: role,
                found: truncate(&common.metadata_type),
            });
        }
        let mut parts = common.spec_version.split('.');
        let major_ok = parts.next() == Some("1");
        let rest: Vec<&str> = parts.collect();
        if !major_ok
            || !(1..=2).contains(&rest.len())
            || rest
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(TufError::SpecVersion {
                role,
                spec_version: truncate(&common.spec_version),
            });
        }
        if common.version == 0 {
            return Err(shape(role, "version 0 (versions start at 1)"));
        }
        let expires = parse_expires(role, &common.expires)?;
        let body = match role {
            Role::Root => Body::Root(parse_root(&wire.signed, limits)?),
            Role::Timestamp | Role::Snapshot => {
                let meta: WireMeta =
                    serde_json::from_value(wire.signed.clone()).map_err(|e| shape(role, e))?;
                check_count("meta entries", meta.meta.len(), limits.max_targets)?;
                if role == Role::Timestamp
                    && (meta.meta.len() != 1 || !meta.meta.contains_key("snapshot.json"))
                {
                    return Err(shape(role, "timestamp meta must list snapshot.json only"));
                }
                for info in meta.meta.values() {
                    if info.version.is_none_or(|v| v == 0) {
                        return Err(shape(role, "a meta entry without a version ≥ 1"));
                    }
                    check_hashes(role, &info.hashes)?;
                }
                Body::Meta(meta.meta)
            }
            Role::Targets => {
                let targets: WireTargets =
                    serde_json::from_value(wire.signed.clone()).map_err(|e| shape(role, e))?;
                check_count("targets", targets.targets.len(), limits.max_targets)?;
                for info in targets.targets.values() {
                    if info.length.is_none() || info.hashes.is_empty() {
                        return Err(shape(role, "a target without length and hashes"));
                    }
                    check_hashes(role, &info.hashes)?;
                }
                Body::Targets {
                    targets: targets.targets,
                    has_delegations: targets.delegations.is_some_and(|d| !d.is_null()),
                }
            }
        };
        let mut signatures: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        for s in wire.signatures {
            // An undecodable signature counts for nothing (as in python-tuf, where it fails to
            // verify); it is not an error for the document.
            if let Ok(sig) = hex::decode(&s.sig) {
                signatures.entry(s.keyid).or_default().push(sig);
            }
        }
        Ok(Self {
            role,
            version: common.version,
            expires,
            body,
            canonical_signed: encode_canonical(&wire.signed)?,
            signatures,
        })
    }

    /// How many distinct keys of `role_keys` (looked up in `keys`) made a valid signature over
    /// this document. A key id listed or signing twice counts once, and two key ids holding the
    /// same key material count once.
    pub(crate) fn count_valid(&self, keys: &BTreeMap<String, TufKey>, role_keys: &RoleKeys) -> u64 {
        let mut counted: BTreeSet<&[u8]> = BTreeSet::new();
        for keyid in &role_keys.keyids {
            let (Some(key), Some(sigs)) = (keys.get(keyid), self.signatures.get(keyid)) else {
                continue;
            };
            if sigs
                .iter()
                .any(|sig| key.verifies(&self.canonical_signed, sig))
            {
                counted.insert(key.material());
            }
        }
        counted.len() as u64
    }

    /// Checks that a threshold of `role_keys` signed; `signer` names whose keys for the error.
    pub(crate) fn check_threshold(
        &self,
        keys: &BTreeMap<String, TufKey>,
        role_keys: &RoleKeys,
        signer: &'static str,
    ) -> Result<(), TufError> {
        let valid = self.count_valid(keys, role_keys);
        if valid < role_keys.threshold {
            return Err(TufError::Threshold {
                role: self.role,
                signer,
                valid,
                threshold: role_keys.threshold,
            });
        }
        Ok(())
    }

    /// Expired when `now` is at or after `expires` (python-tuf's rule).
    pub(crate) fn check_expiry(&self, now: Timestamp) -> Result<(), TufError> {
        if now >= self.expires {
            return Err(TufError::Expired {
                role: self.role,
                expires: self.expires,
            });
        }
        Ok(())
    }

    pub(crate) fn root(&self) -> Option<&RootData> {
        match &self.body {
            Body::Root(r) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn meta(&self) -> Option<&BTreeMap<String, FileInfo>> {
        match &self.body {
            Body::Meta(m) => Some(m),
            _ => None,
        }
    }
}

fn parse_root(signed: &Value, limits: &TufLimits) -> Result<RootData, TufError> {
    let role = Role::Root;
    let wire: WireRoot = serde_json::from_value(signed.clone()).map_err(|e| shape(role, e))?;
    check_count("keys", wire.keys.len(), limits.max_keys)?;
    let mut keys = BTreeMap::new();
    for (keyid, key) in &wire.keys {
        keys.insert(keyid.clone(), TufKey::parse(keyid, key)?);
    }
    let mut roles = BTreeMap::new();
    for name in wire.roles.keys() {
        if !["root", "timestamp", "snapshot", "targets"].contains(&name.as_str()) {
            return Err(shape(role, format!("unknown top-level role {name:?}")));
        }
    }
    for r in [Role::Root, Role::Timestamp, Role::Snapshot, Role::Targets] {
        let w = wire
            .roles
            .get(r.name())
            .ok_or_else(|| shape(role, format!("no {r} role")))?;
        check_count("role key ids", w.keyids.len(), limits.max_keys)?;
        let keyids: BTreeSet<String> = w.keyids.iter().cloned().collect();
        if keyids.len() != w.keyids.len() {
            return Err(shape(role, format!("role {r} lists a key id twice")));
        }
        if w.threshold == 0 {
            return Err(shape(role, format!("role {r} has threshold 0")));
        }
        for k in &keyids {
            if !keys.contains_key(k) {
                return Err(shape(
                    role,
                    format!("role {r} names key {} not in keys", truncate(k)),
                ));
            }
        }
        roles.insert(
            r,
            RoleKeys {
                keyids,
                threshold: w.threshold,
            },
        );
    }
    Ok(RootData {
        consistent_snapshot: wire.consistent_snapshot.unwrap_or(false),
        keys,
        roles,
    })
}
