// A benchmark harness (not library code): its fixtures unwrap and index as tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Makes one `stella-bindings-api` call N times and nothing else, so `valgrind --tool=callgrind`
//! can count its instructions against the same call made from Python
//! (`benches/python/callgrind.sh`). Instruction counts do not depend on the machine's load.
//!
//! `calls digest|sbom|run N` (run by `cargo bench` without arguments, it does nothing).

use std::hint::black_box;
use std::path::Path;

use stella_bindings_api as api;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(what), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: calls digest|sbom|run N (see benches/python/callgrind.sh)");
        return;
    };
    let small = [7u8; 32];
    let image = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/conformance/image/image.tar"),
    )
    .unwrap_or_default();
    let sbom = api::SbomOptions {
        timestamp: "2024-06-01T00:00:00Z".into(),
        ..api::SbomOptions::default()
    };
    let run = api::RunOptions::default();
    for _ in 0..n {
        match what.as_str() {
            "digest" => {
                black_box(api::digest_of(black_box(&small)));
            }
            "sbom" => {
                let _ = black_box(api::sbom_from_image_bytes(black_box(&image), &sbom));
            }
            "run" => {
                let _ = black_box(api::run(black_box(&run)));
            }
            other => {
                eprintln!("unknown call {other}");
                return;
            }
        }
    }
}
