//! An `rpmdb.sqlite` and its `-wal` log from arbitrary bytes (a little-endian u32 length of
//! the database, the database, then the log): the log folded in (`apply_wal`) never panics
//! and never makes an image larger than the two files, and the image read with SQLite on the
//! hardened connection never panics or hangs past the step budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::rpm::{apply_wal, read_sqlite_wal};

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (db, wal) = rest.split_at(len);
    if let Ok(image) = apply_wal("var/lib/rpm/rpmdb.sqlite", db, Some(wal)) {
        assert!(image.len() <= db.len() + wal.len());
    }
    let _ = read_sqlite_wal("var/lib/rpm/rpmdb.sqlite", db, Some(wal));
});
