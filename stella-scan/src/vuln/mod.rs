//! Vulnerability matching against a pinned OSV snapshot.

pub mod import;
pub mod manifest;
pub mod matcher;
pub mod osv;
pub mod report;
pub mod severity;
pub mod snapshot;
pub mod version;
