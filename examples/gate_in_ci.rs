//! Gate in CI from a findings file: the step a CI plugin runs after a scan.
//!
//! Reads a Stella findings JSON (`stella scan -o json`) and optional OpenVEX, builds the gate
//! input, evaluates the built-in policy (or a bundle directory), prints the verdict with its
//! reasons and exits 0 (allow) or 1 (deny), 2 on error — the exit codes CI systems act on.
//!
//! Run: `cargo run -p stella-examples --bin gate-in-ci -- FINDINGS.json [VEX.json …]`
//! With no arguments it gates the findings of the embedded demo.

use std::process::ExitCode;

use stella::gate_input::GateInputBuilder;
use stella_core::{FixedClock, Timestamp, canonical::JsonLimits};
use stella_policy::{BuiltinOptions, Gate, GateOptions, builtin_bundle};
use stella_vex::{TrustPolicy, VexSet, VexSource, read_findings};
use stella_vuln::report::FindingsDocument;

fn gate(findings_json: &[u8], vex: &[Vec<u8>]) -> Result<bool, Box<dyn std::error::Error>> {
    let doc: FindingsDocument = serde_json::from_slice(findings_json)?;
    let refs = read_findings(findings_json, &JsonLimits::default())?;
    let now = Timestamp::parse_rfc3339(stella_demo::DEMO_TIME)?;
    let sources = vex
        .iter()
        .map(|b| VexSource::unsigned(b))
        .collect::<Result<Vec<_>, _>>()?;
    // A CI job would take a trust policy naming its VEX issuers; this example trusts all.
    let set = VexSet::build(sources, &TrustPolicy::permissive(), now);
    let applied = set.apply(&refs);
    let merged = set
        .merge(&stella_vex::MergeOptions {
            now,
            author: "ci".into(),
            explain: false,
        })
        .ok();

    let image = doc
        .target
        .image_digest
        .ok_or("the findings name no image digest")?;
    let mut builder = GateInputBuilder::new(image, Some(doc.target.name.clone()))
        .findings(&doc.findings, &applied.findings);
    if let Some(m) = &merged {
        builder = builder.vex(&m.document);
    }
    let input = builder.build();
    let bundle = builtin_bundle(BuiltinOptions::default())?;
    let record = Gate::new(&bundle, GateOptions::default())?.decide(
        &input,
        &bundle,
        &FixedClock::new(now),
        "gate-in-ci example",
    )?;
    println!(
        "{} {} ({} findings; policy {})",
        if record.result.allow { "ALLOW" } else { "DENY" },
        image,
        input.findings.len(),
        record.policy.digest
    );
    for v in &record.result.violations {
        println!("  violation: {v}");
    }
    for w in &record.result.warnings {
        println!("  warning: {w}");
    }
    Ok(record.result.allow)
}

fn demo_findings() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    use stella_vuln::matcher::match_packages;
    use stella_vuln::report::{DbRef, OutputFormat, ScanTarget};
    let demo = stella_demo::Demo::build()?;
    let scan = stella_scan::engine::scan_image_detailed(
        &demo.image.source,
        &stella_scan::catalog::default_catalogers(),
        &stella_scan::engine::ScanOptions::default(),
    )?;
    let report = match_packages(&demo.snapshot, &scan.sbom.packages, scan.sbom.os.as_ref())?;
    let doc = FindingsDocument::new(
        ScanTarget {
            name: stella_demo::DEMO_IMAGE_NAME.into(),
            image_digest: scan.sbom.image.manifest_digest,
            sbom_digest: None,
            os: scan.sbom.os.clone(),
        },
        DbRef::of(&demo.snapshot),
        report,
    );
    Ok(doc.render(OutputFormat::Json)?)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = (|| -> Result<bool, Box<dyn std::error::Error>> {
        let findings = match args.first() {
            Some(path) => std::fs::read(path)?,
            None => demo_findings()?,
        };
        let vex = args
            .iter()
            .skip(1)
            .map(std::fs::read)
            .collect::<Result<Vec<_>, _>>()?;
        gate(&findings, &vex)
    })();
    match result {
        Ok(true) => ExitCode::from(0),
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("gate-in-ci: error: {e}");
            ExitCode::from(2)
        }
    }
}
