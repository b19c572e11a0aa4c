//! Freshness of a snapshot: how old it is against a configured maximum age.
//!
//! `stella scan --max-db-age-days N` (or `STELLA_DB_MAX_AGE_DAYS`) prints a warning when the
//! snapshot is older than N days; [`Freshness`] is also what
//! [`crate::gate_input::GateInputBuilder::db_freshness`] puts into the gate input
//! (`input.scan.db_freshness`: `date`, `age_days`, `max_age_days`, `stale`), so a policy can
//! deny on a stale DB (`input.scan.db_freshness.stale`).
//!
//! ```
//! use stella::db::freshness::Freshness;
//! use stella_core::Timestamp;
//! let t = |s| Timestamp::parse_rfc3339(s).unwrap();
//! let f = Freshness::of("2024-06-01T00:00:00Z", &t("2024-06-10T12:00:00Z"), 7).unwrap();
//! assert_eq!((f.age_days, f.stale), (9, true));
//! ```

use serde::{Deserialize, Serialize};
use stella_core::{Timestamp, TimestampError};

/// A snapshot's age against a maximum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// The snapshot date (RFC 3339).
    pub date: String,
    /// Whole days from the snapshot date to now (0 for a date in the future).
    pub age_days: u64,
    /// The configured maximum.
    pub max_age_days: u64,
    /// Whether `age_days > max_age_days`.
    pub stale: bool,
}

impl Freshness {
    /// The freshness of a snapshot dated `date` at `now`.
    pub fn of(date: &str, now: &Timestamp, max_age_days: u64) -> Result<Self, TimestampError> {
        let d = Timestamp::parse_rfc3339(date)?;
        let nanos = now.unix_nanos().saturating_sub(d.unix_nanos()).max(0);
        let age_days = u64::try_from(nanos / 86_400_000_000_000).unwrap_or(u64::MAX);
        Ok(Self {
            date: d.to_rfc3339(),
            age_days,
            max_age_days,
            stale: age_days > max_age_days,
        })
    }

    /// The warning for people, `None` when fresh.
    pub fn warning(&self) -> Option<String> {
        self.stale.then(|| {
            format!(
                "the vulnerability DB snapshot is {} days old (dated {}), older than the {} days allowed: update it (stella db update)",
                self.age_days, self.date, self.max_age_days
            )
        })
    }
}
