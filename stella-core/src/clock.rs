//! Time, which enters the pure crates only through [`Clock`].

use std::fmt::{self, Debug};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An instant in UTC, written as RFC 3339 (`2026-11-26T15:00:00Z`; fractional seconds only when
/// present).
///
/// ```
/// use stella_core::Timestamp;
///
/// let t = Timestamp::parse_rfc3339("2024-02-29T12:00:00+01:00")?;
/// assert_eq!(t.to_string(), "2024-02-29T11:00:00Z");
/// assert_eq!(Timestamp::from_unix_seconds(0)?.to_string(), "1970-01-01T00:00:00Z");
/// # Ok::<(), stella_core::TimestampError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// A timestamp that could not be parsed or represented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp {input:?}: expected RFC 3339, e.g. 2024-01-31T12:00:00Z")]
pub struct TimestampError {
    /// The input (truncated).
    pub input: String,
}

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(OffsetDateTime::UNIX_EPOCH);

    /// Parses RFC 3339 (any offset; stored as UTC).
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| Self(t.to_offset(time::UtcOffset::UTC)))
            .map_err(|_| TimestampError {
                input: text.chars().take(64).collect(),
            })
    }

    /// From seconds since the Unix epoch.
    pub fn from_unix_seconds(seconds: i64) -> Result<Self, TimestampError> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .map(Self)
            .map_err(|_| TimestampError {
                input: seconds.to_string(),
            })
    }

    /// From nanoseconds since the Unix epoch.
    pub fn from_unix_nanos(nanos: i128) -> Result<Self, TimestampError> {
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .map(Self)
            .map_err(|_| TimestampError {
                input: nanos.to_string(),
            })
    }

    /// Seconds since the Unix epoch (rounded down).
    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> i128 {
        self.0.unix_timestamp_nanos()
    }

    /// This instant plus `seconds` (negative to go back), or `None` out of range.
    pub fn checked_add_seconds(&self, seconds: i64) -> Option<Self> {
        self.0
            .checked_add(time::Duration::seconds(seconds))
            .map(Self)
    }

    /// RFC 3339 text in UTC with a `Z` suffix.
    pub fn to_rfc3339(&self) -> String {
        // Formatting a UTC `OffsetDateTime` with the RFC 3339 description only fails for years
        // outside 0..=9999, which no constructor here can produce from RFC 3339 input; fall back
        // to the Unix seconds so the function stays total.
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| format!("@{}", self.0.unix_timestamp()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// The source of "now". Pure crates never read the system clock; callers pass one of these.
pub trait Clock: Send + Sync + Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// A clock that always says the same instant: for tests, replays and `--deterministic` runs.
///
/// ```
/// use stella_core::{Clock, FixedClock, Timestamp};
///
/// let clock = FixedClock::new(Timestamp::from_unix_seconds(1_700_000_000)?);
/// assert_eq!(clock.now().to_string(), "2023-11-14T22:13:20Z");
/// # Ok::<(), stella_core::TimestampError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(Timestamp);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> Self {
        Self(at)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_and_rejects() {
        let t = Timestamp::parse_rfc3339("2026-11-26T15:27:43.5Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-26T15:27:43.5Z");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-26T15:27:43.5Z\""
        );
        for bad in [
            "2026-11-26",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "2026-11-26T15:27:43",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
        let later = t.checked_add_seconds(60).unwrap();
        assert!(later > t);
        assert_eq!(later.unix_seconds() - t.unix_seconds(), 60);
    }
}
