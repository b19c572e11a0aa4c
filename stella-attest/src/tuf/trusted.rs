//! The client's trusted metadata and the update steps of the TUF specification's client
//! workflow (§5), each fed the bytes the caller fetched.

use sha2::Digest as _;
use stella_core::Timestamp;

use super::metadata::{Body, FileInfo, Metadata, Role};
use super::{TufError, TufLimits};

/// The metadata a TUF client trusts, updated one verified document at a time.
///
/// The order is the specification's: [`TrustedMetadata::from_trusted_root`] (a root trusted out
/// of band or kept from an earlier run), [`TrustedMetadata::update_root`] for each next root
/// version the repository has, [`TrustedMetadata::check_root_expiry`], then
/// [`TrustedMetadata::update_timestamp`], [`TrustedMetadata::update_snapshot`],
/// [`TrustedMetadata::update_targets`] and [`TrustedMetadata::verify_target`]. Earlier
/// timestamp and snapshot metadata the caller kept go in first through
/// [`TrustedMetadata::load_kept_timestamp`] / [`TrustedMetadata::load_kept_snapshot`]: they are
/// what rollback is checked against. Each step refuses to run out of order.
///
/// [`super::refresh_target`] drives the whole workflow over a [`super::TufRepository`].
#[derive(Debug, Clone)]
pub struct TrustedMetadata {
    limits: TufLimits,
    root: Metadata,
    root_bytes: Vec<u8>,
    timestamp: Option<(Metadata, Vec<u8>)>,
    snapshot: Option<(Metadata, Vec<u8>)>,
    targets: Option<Metadata>,
}

/// What an [`TrustedMetadata::update_timestamp`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampUpdate {
    /// A newer timestamp is now trusted.
    Updated,
    /// The repository's timestamp has the trusted version: the trusted one stays.
    Unchanged,
}

/// Verifies `bytes` against the recorded length and every recorded hash.
pub(crate) fn check_file(name: &str, info: &FileInfo, bytes: &[u8]) -> Result<(), TufError> {
    if let Some(length) = info.length
        && bytes.len() as u64 != length
    {
        return Err(TufError::LengthMismatch {
            name: super::key::truncate(name),
            expected: length,
            found: bytes.len() as u64,
        });
    }
    for (alg, expected) in &info.hashes {
        let actual = match alg.as_str() {
            "sha256" => hex::encode(sha2::Sha256::digest(bytes)),
            "sha384" => hex::encode(sha2::Sha384::digest(bytes)),
            "sha512" => hex::encode(sha2::Sha512::digest(bytes)),
            other => {
                return Err(TufError::UnsupportedHash {
                    name: super::key::truncate(name),
                    algorithm: super::key::truncate(other),
                });
            }
        };
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(TufError::HashMismatch {
                name: super::key::truncate(name),
                algorithm: super::key::truncate(alg),
            });
        }
    }
    Ok(())
}

impl TrustedMetadata {
    /// Starts from a root trusted out of band (shipped with the program, or kept from an
    /// earlier run): it must be a root signed by a threshold of its own root keys. Its expiry
    /// is not checked here (a newer root may follow); see [`Self::check_root_expiry`].
    pub fn from_trusted_root(bytes: &[u8], limits: TufLimits) -> Result<Self, TufError> {
        let root = Metadata::parse(Role::Root, bytes, &limits)?;
        let data = root.root().ok_or(TufError::OutOfOrder { step: "root" })?;
        let role_keys = data
            .roles
            .get(&Role::Root)
            .ok_or(TufError::OutOfOrder { step: "root" })?;
        root.check_threshold(&data.keys, role_keys, "its own")?;
        Ok(Self {
            limits,
            root,
            root_bytes: bytes.to_vec(),
            timestamp: None,
            snapshot: None,
            targets: None,
        })
    }

    /// The limits in force.
    pub fn limits(&self) -> &TufLimits {
        &self.limits
    }

    /// The trusted root's version.
    pub fn root_version(&self) -> u64 {
        self.root.version
    }

    /// The trusted root's bytes, as received: what a client keeps for its next run.
    pub fn root_bytes(&self) -> &[u8] {
        &self.root_bytes
    }

    /// The trusted timestamp's bytes, if any (kept for rollback checks on the next run).
    pub fn timestamp_bytes(&self) -> Option<&[u8]> {
        self.timestamp.as_ref().map(|(_, b)| b.as_slice())
    }

    /// The trusted snapshot's bytes, if any (kept for rollback checks on the next run).
    pub fn snapshot_bytes(&self) -> Option<&[u8]> {
        self.snapshot.as_ref().map(|(_, b)| b.as_slice())
    }

    /// Whether the repository uses consistent snapshots (version- and hash-prefixed names).
    pub fn consistent_snapshot(&self) -> bool {
        self.root.root().is_some_and(|r| r.consistent_snapshot)
    }

    fn check_signed(&self, metadata: &Metadata) -> Result<(), TufError> {
        let data = self
            .root
            .root()
            .ok_or(TufError::OutOfOrder { step: "root" })?;
        let role_keys = data
            .roles
            .get(&metadata.role)
            .ok_or(TufError::OutOfOrder { step: "root" })?;
        metadata.check_threshold(&data.keys, role_keys, "the trusted root's")
    }

    /// §5.3: makes `bytes` (the repository's `N.root.json` for N = trusted version + 1) the
    /// trusted root. It must be signed by a threshold of the trusted root's root keys *and* of
    /// its own, and have version N exactly. Runs before any timestamp is loaded: kept
    /// timestamp and snapshot metadata go in afterwards ([`Self::load_kept_timestamp`]), so
    /// those signed by keys the new root rotated out fail to load and are dropped (§5.3.11,
    /// recovery from a fast-forward attack).
    pub fn update_root(&mut self, bytes: &[u8]) -> Result<(), TufError> {
        if self.timestamp.is_some() {
            return Err(TufError::OutOfOrder { step: "root" });
        }
        let new = Metadata::parse(Role::Root, bytes, &self.limits)?;
        self.check_signed(&new)?;
        let data = new.root().ok_or(TufError::OutOfOrder { step: "root" })?;
        let own = data
            .roles
            .get(&Role::Root)
            .ok_or(TufError::OutOfOrder { step: "root" })?;
        new.check_threshold(&data.keys, own, "its own")?;
        let expected = self.root.version.saturating_add(1);
        if new.version != expected {
            return Err(TufError::RootVersion {
                expected,
                found: new.version,
            });
        }
        self.root = new;
        self.root_bytes = bytes.to_vec();
        Ok(())
    }

    /// §5.3.10: the final trusted root must not be expired at `now`.
    pub fn check_root_expiry(&self, now: Timestamp) -> Result<(), TufError> {
        self.root.check_expiry(now)
    }

    /// Loads a timestamp kept from an earlier run, as the reference for rollback checks. It
    /// must be signed by the trusted root's timestamp keys (a key rotation invalidates it; the
    /// caller then drops it); its expiry is not checked.
    pub fn load_kept_timestamp(&mut self, bytes: &[u8]) -> Result<(), TufError> {
        if self.timestamp.is_some() || self.snapshot.is_some() {
            return Err(TufError::OutOfOrder { step: "timestamp" });
        }
        let ts = Metadata::parse(Role::Timestamp, bytes, &self.limits)?;
        self.check_signed(&ts)?;
        self.timestamp = Some((ts, bytes.to_vec()));
        Ok(())
    }

    /// Loads a snapshot kept from an earlier run (after [`Self::load_kept_timestamp`]), as the
    /// reference for rollback checks. Signature checked, expiry and version not.
    pub fn load_kept_snapshot(&mut self, bytes: &[u8]) -> Result<(), TufError> {
        if self.snapshot.is_some() || self.targets.is_some() {
            return Err(TufError::OutOfOrder { step: "snapshot" });
        }
        let snap = Metadata::parse(Role::Snapshot, bytes, &self.limits)?;
        self.check_signed(&snap)?;
        self.snapshot = Some((snap, bytes.to_vec()));
        Ok(())
    }

    /// §5.4: verifies the repository's `timestamp.json`: the timestamp keys' threshold, no
    /// rollback of its version or of the snapshot version it names, and not expired at `now`.
    pub fn update_timestamp(
        &mut self,
        bytes: &[u8],
        now: Timestamp,
    ) -> Result<TimestampUpdate, TufError> {
        if self.targets.is_some() {
            return Err(TufError::OutOfOrder { step: "timestamp" });
        }
        self.check_root_expiry(now)?;
        let new = Metadata::parse(Role::Timestamp, bytes, &self.limits)?;
        self.check_signed(&new)?;
        let new_snapshot = snapshot_version(&new)?;
        if let Some((trusted, _)) = &self.timestamp {
            if new.version < trusted.version {
                return Err(TufError::Rollback {
                    role: Role::Timestamp,
                    trusted: trusted.version,
                    new: new.version,
                });
            }
            if new.version == trusted.version {
                trusted.check_expiry(now)?;
                return Ok(TimestampUpdate::Unchanged);
            }
            let trusted_snapshot = snapshot_version(trusted)?;
            if new_snapshot < trusted_snapshot {
                return Err(TufError::Rollback {
                    role: Role::Snapshot,
                    trusted: trusted_snapshot,
                    new: new_snapshot,
                });
            }
        }
        new.check_expiry(now)?;
        self.timestamp = Some((new, bytes.to_vec()));
        Ok(TimestampUpdate::Updated)
    }

    /// The path of the snapshot to fetch next: `N.snapshot.json` with consistent snapshots
    /// (N from the trusted timestamp), else `snapshot.json`.
    pub fn snapshot_path(&self) -> Result<String, TufError> {
        let (ts, _) = self
            .timestamp
            .as_ref()
            .ok_or(TufError::OutOfOrder { step: "snapshot" })?;
        Ok(if self.consistent_snapshot() {
            format!("{}.snapshot.json", snapshot_version(ts)?)
        } else {
            "snapshot.json".to_owned()
        })
    }

    /// §5.5: verifies the repository's snapshot: length and hashes the timestamp recorded, the
    /// snapshot keys' threshold, the version the timestamp names (mix-and-match), no targets
    /// metadata removed or rolled back against the kept snapshot, and not expired at `now`.
    pub fn update_snapshot(&mut self, bytes: &[u8], now: Timestamp) -> Result<(), TufError> {
        if self.targets.is_some() {
            return Err(TufError::OutOfOrder { step: "snapshot" });
        }
        let (ts, _) = self
            .timestamp
            .as_ref()
            .ok_or(TufError::OutOfOrder { step: "snapshot" })?;
        let info = ts
            .meta()
            .and_then(|m| m.get("snapshot.json"))
            .ok_or(TufError::OutOfOrder { step: "snapshot" })?;
        check_file("snapshot.json", info, bytes)?;
        let new = Metadata::parse(Role::Snapshot, bytes, &self.limits)?;
        self.check_signed(&new)?;
        let expected = info.version.unwrap_or_default();
        if new.version != expected {
            return Err(TufError::VersionMismatch {
                role: Role::Snapshot,
                expected,
                found: new.version,
            });
        }
        if let Some((trusted, _)) = &self.snapshot {
            let old = trusted
                .meta()
                .ok_or(TufError::OutOfOrder { step: "snapshot" })?;
            let fresh = new
                .meta()
                .ok_or(TufError::OutOfOrder { step: "snapshot" })?;
            for (name, old_info) in old {
                let old_v = old_info.version.unwrap_or_default();
                let new_v = fresh.get(name).and_then(|i| i.version).ok_or_else(|| {
                    TufError::MissingMeta {
                        role: Role::Snapshot,
                        name: super::key::truncate(name),
                    }
                })?;
                if new_v < old_v {
                    return Err(TufError::Rollback {
                        role: Role::Targets,
                        trusted: old_v,
                        new: new_v,
                    });
                }
            }
        }
        new.check_expiry(now)?;
        self.snapshot = Some((new, bytes.to_vec()));
        Ok(())
    }

    fn targets_info(&self) -> Result<&FileInfo, TufError> {
        let (snap, _) = self
            .snapshot
            .as_ref()
            .ok_or(TufError::OutOfOrder { step: "targets" })?;
        snap.meta()
            .and_then(|m| m.get("targets.json"))
            .ok_or(TufError::MissingMeta {
                role: Role::Snapshot,
                name: "targets.json".to_owned(),
            })
    }

    /// The path of the targets metadata to fetch next (`N.targets.json` or `targets.json`).
    pub fn targets_path(&self) -> Result<String, TufError> {
        let info = self.targets_info()?;
        Ok(if self.consistent_snapshot() {
            format!("{}.targets.json", info.version.unwrap_or_default())
        } else {
            "targets.json".to_owned()
        })
    }

    /// §5.6: verifies the repository's top-level targets metadata: length and hashes the
    /// snapshot recorded, the targets keys' threshold, the version the snapshot names, and not
    /// expired at `now`.
    pub fn update_targets(&mut self, bytes: &[u8], now: Timestamp) -> Result<(), TufError> {
        // The snapshot must be current (it may be a kept one only if the timestamp agreed).
        let (snap, _) = self
            .snapshot
            .as_ref()
            .ok_or(TufError::OutOfOrder { step: "targets" })?;
        snap.check_expiry(now)?;
        let info = self.targets_info()?.clone();
        check_file("targets.json", &info, bytes)?;
        let new = Metadata::parse(Role::Targets, bytes, &self.limits)?;
        self.check_signed(&new)?;
        let expected = info.version.unwrap_or_default();
        if new.version != expected {
            return Err(TufError::VersionMismatch {
                role: Role::Targets,
                expected,
                found: new.version,
            });
        }
        new.check_expiry(now)?;
        self.targets = Some(new);
        Ok(())
    }

    /// §5.7: the length and hashes the top-level targets metadata records for `name`.
    /// Delegated targets are not searched: a name that is not a top-level target of a
    /// repository with delegations is [`TufError::DelegationsNotSupported`].
    pub fn target(&self, name: &str) -> Result<&FileInfo, TufError> {
        let targets = self
            .targets
            .as_ref()
            .ok_or(TufError::OutOfOrder { step: "target" })?;
        let Body::Targets {
            targets,
            has_delegations,
        } = &targets.body
        else {
            return Err(TufError::OutOfOrder { step: "target" });
        };
        match targets.get(name) {
            Some(info) => Ok(info),
            None if *has_delegations => Err(TufError::DelegationsNotSupported {
                name: super::key::truncate(name),
            }),
            None => Err(TufError::TargetNotFound {
                name: super::key::truncate(name),
            }),
        }
    }

    /// The path of target `name` to fetch: `targets/<sha256 or sha512 hex>.<name>` with
    /// consistent snapshots (Sigstore's layout), else `targets/<name>`.
    pub fn target_path(&self, name: &str) -> Result<String, TufError> {
        let info = self.target(name)?;
        if name.is_empty()
            || name
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            || name.contains('\\')
        {
            return Err(TufError::TargetNotFound {
                name: super::key::truncate(name),
            });
        }
        if !self.consistent_snapshot() {
            return Ok(format!("targets/{name}"));
        }
        let hash = info
            .hashes
            .get("sha256")
            .or_else(|| info.hashes.get("sha512"))
            .ok_or_else(|| TufError::UnsupportedHash {
                name: super::key::truncate(name),
                algorithm: info.hashes.keys().next().cloned().unwrap_or_default(),
            })?;
        Ok(match name.rsplit_once('/') {
            Some((dir, base)) => format!("targets/{dir}/{hash}.{base}"),
            None => format!("targets/{hash}.{name}"),
        })
    }

    /// Verifies a target file's bytes against the length and every hash recorded for `name`
    /// (sha256, sha384, sha512; any other algorithm is refused, never skipped).
    pub fn verify_target(&self, name: &str, bytes: &[u8]) -> Result<(), TufError> {
        let info = self.target(name)?;
        if !info.hashes.keys().any(|a| a == "sha256" || a == "sha512") {
            return Err(TufError::UnsupportedHash {
                name: super::key::truncate(name),
                algorithm: info.hashes.keys().next().cloned().unwrap_or_default(),
            });
        }
        check_file(name, info, bytes)
    }
}

fn snapshot_version(ts: &Metadata) -> Result<u64, TufError> {
    ts.meta()
        .and_then(|m| m.get("snapshot.json"))
        .and_then(|i| i.version)
        .ok_or(TufError::MissingMeta {
            role: Role::Timestamp,
            name: "snapshot.json".to_owned(),
        })
}
