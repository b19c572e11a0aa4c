//! Filling vulnerability findings from an entry-trace report (`stella_scan::entrytrace`):
//! reachability and the chain. The one place the image side feeds the vulnerability side.

use crate::matcher::{Finding, Reachability as FindingReachability};
use stella_scan::entrytrace::{Reachability, TraceReport};

/// Sets each finding's `reachability` (and, when reachable, its `trace`: one `/path (how)` per
/// step, ending at the package's file) from the trace report, by the finding's purl.
/// `not_found_on_entry_paths` becomes `unreachable`; a package the report does not know stays
/// `unknown`.
///
/// ```
/// use stella_scan::entrytrace::TraceReport;
/// use stella_vuln::reachability::apply_to_findings;
/// let mut findings = Vec::new();
/// apply_to_findings(&mut findings, &TraceReport::default());
/// assert!(findings.is_empty());
/// ```
pub fn apply_to_findings(findings: &mut [Finding], report: &TraceReport) {
    for f in findings {
        match report.for_package(&f.package.purl) {
            Some(Reachability::Reachable { file, chain }) => {
                f.reachability = FindingReachability::Reachable;
                f.trace = chain
                    .iter()
                    .map(|s| format!("/{} ({})", s.path, s.detail))
                    .collect();
                if chain.last().is_none_or(|s| &s.path != file) {
                    f.trace.push(format!("/{file} (owned by the package)"));
                }
            }
            Some(Reachability::NotFoundOnEntryPaths) => {
                f.reachability = FindingReachability::Unreachable;
                f.trace.clear();
            }
            Some(Reachability::Unknown { .. }) | None => {
                f.reachability = FindingReachability::Unknown;
                f.trace.clear();
            }
        }
    }
}

/// A finding's chain for a person (`stella scan --explain ID`).
pub fn explain_finding(f: &Finding) -> String {
    let status = match f.reachability {
        FindingReachability::Reachable => "reachable from the entrypoint",
        FindingReachability::Unreachable => {
            "not found on entry paths (no chain from the entrypoint reaches the package's files)"
        }
        FindingReachability::Unknown => "reachability unknown (the entry-trace cannot rule it out)",
    };
    let mut out = format!(
        "{} in {} {} ({}): {status}\n",
        f.id, f.package.name, f.package.version, f.package.purl
    );
    for (i, step) in f.trace.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", i + 1));
    }
    if let Some(sym) = &f.symbols {
        out.push_str(&format!("  vulnerable symbols: {}", sym.status.as_str()));
        if !sym.found.is_empty() {
            out.push_str(&format!(" (linked: {})", sym.found.join(", ")));
        } else if !sym.vulnerable.is_empty() {
            out.push_str(&format!(" (checked: {})", sym.vulnerable.join(", ")));
        }
        if let Some(why) = &sym.reason {
            out.push_str(&format!(" ({why})"));
        }
        out.push('\n');
    }
    out
}
