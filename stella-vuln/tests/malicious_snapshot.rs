#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Scanner poisoning through a crafted vulnerability snapshot (moved from stella-scan's
//! malicious-image corpus with the vuln module): a lying snapshot is a typed error, and the peak
//! heap stays bounded (the counting global allocator of `peak_heap` measures it).

#[path = "../../stella-scan/tests/peak_heap/mod.rs"]
mod peak_heap;

use peak_heap::{MIB, peak_of, serial};
use stella_core::{Digest, Timestamp};
use stella_vuln::osv::parse_record;
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
use stella_vuln::{SnapshotFault, VulnError};

/// A snapshot whose key entry claims 2^32 - 1 postings, with a valid trailer (anyone can write
/// one: the trailer is a plain SHA-256): a lookup is a typed error, and reserves no more than
/// the postings table can hold.
#[test]
fn a_crafted_snapshot_posting_count_is_an_error_not_an_allocation() {
    let _s = serial();
    let record = parse_record(
        "GHSA-1.json",
        br#"{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z",
             "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
             "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
    )
    .unwrap();
    let mut builder = SnapshotBuilder::new();
    builder.add("test", record);
    let mut bytes = builder
        .build(&Timestamp::parse_rfc3339("2024-01-02T00:00:00Z").unwrap())
        .unwrap();
    assert_eq!(
        Snapshot::load(bytes.clone())
            .unwrap()
            .lookup("PyPI", "requests")
            .unwrap(),
        vec![0]
    );
    // magic, header length and header, key count, then the first key's posting count.
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let key = 12 + header_len + 4;
    bytes[key + 12..key + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    let body = bytes.len() - 32;
    let trailer = Digest::of(&bytes[..body]);
    bytes[body..].copy_from_slice(trailer.as_bytes());
    let snapshot = Snapshot::load(bytes).unwrap();
    let (result, peak) = peak_of(|| snapshot.lookup("PyPI", "requests"));
    match result {
        Err(VulnError::Snapshot {
            fault: SnapshotFault::OutOfBounds("posting"),
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(peak < MIB, "peak {peak}");
}
