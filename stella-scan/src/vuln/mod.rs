//! Vulnerability matching against a pinned OSV snapshot.

pub mod osv;
pub mod snapshot;
pub mod version;
