//! stella-report over arbitrary documents: the bytes are split into a findings document and a
//! gate input (at the first NUL), listed by a run report; building never panics, and when it
//! builds, both renderers run and the page holds no tag the input opened (`<` only from us).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::Digest;
use stella_report::{Blobs, BuildOptions, RenderOptions, Report, html, markdown};

fuzz_target!(|data: &[u8]| {
    let (findings, gate) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let f = Digest::of(findings).to_string();
    let g = Digest::of(gate).to_string();
    let run = format!(
        r#"{{"image_digest":"sha256:00","image_name":"fuzz","artifacts":[{{"kind":"findings","digest":"{f}"}},{{"kind":"gate-input","digest":"{g}"}}]}}"#
    );
    let mut blobs = Blobs::new();
    blobs.insert(f, findings.to_vec());
    blobs.insert(g, gate.to_vec());
    if let Ok(report) = Report::build(run.as_bytes(), &blobs, &BuildOptions::default()) {
        let page = html(&report, &RenderOptions::default());
        for f in &report.findings {
            if f.id.contains('<') {
                assert!(!page.contains(f.id.as_str()), "unescaped id on the page");
            }
        }
        let _ = markdown(&report, &RenderOptions::default());
    }
});
