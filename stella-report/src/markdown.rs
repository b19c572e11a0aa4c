//! The Markdown variant: a CI step summary or PR comment (GitHub-flavoured tables, no HTML).

use std::fmt::Write as _;

use crate::RenderOptions;
use crate::escape::{days_between, markdown as md, markdown_code as code, short_digest};
use crate::model::{Finding, Report, Severity, Status};
use stella_core::Timestamp;

/// Renders `report` as Markdown (CommonMark with GitHub tables, no raw HTML): the verdict, the
/// VEX status counts with `under_investigation` on its own, the severity × status matrix, the
/// diff when given, the most severe findings (up to `options.markdown_rows`), the reachable
/// paths, the evidence chain, waivers and the DB snapshot. Every text from the documents is
/// escaped, so it renders as itself.
pub fn markdown(report: &Report, options: &RenderOptions<'_>) -> String {
    let mut o = String::with_capacity(4096);
    let now = options.now.or(report.scanned_at);
    let verdict = match &report.decision {
        Some(d) if d.allow => "ALLOW",
        Some(_) => "DENY",
        None => "no decision",
    };
    let _ = writeln!(
        o,
        "## Stella Ops: {verdict} for {}\n",
        md(&report.image.name)
    );
    let _ = writeln!(
        o,
        "Image {} ({}), {} packages, {} layers.\n",
        code(&report.image.digest),
        md(report
            .image
            .platform
            .as_deref()
            .unwrap_or("platform not recorded")),
        report.packages,
        report.image.layers.len()
    );
    if let Some(d) = &report.decision {
        let _ = write!(
            o,
            "**Decision: {verdict}** by policy {}",
            code(&d.policy_digest)
        );
        if let Some(r) = &d.policy_revision {
            let _ = write!(o, " ({})", md(r));
        }
        o.push('.');
        if !d.signed_by.is_empty() {
            let signers: Vec<String> = d.signed_by.iter().map(|s| code(s)).collect();
            let _ = write!(o, " Signed by {}.", signers.join(", "));
        }
        if let Some(r) = &d.receipt {
            let _ = write!(
                o,
                " Log receipt: entry {} of {} in {}.",
                r.log_index,
                r.tree_size,
                md(r.origin.as_deref().unwrap_or("an unnamed log"))
            );
        }
        o.push_str("\n\n");
        for (title, items) in [("Violations", &d.violations), ("Warnings", &d.warnings)] {
            if items.is_empty() {
                let _ = writeln!(o, "{title}: none.\n");
            } else {
                let _ = writeln!(o, "{title}:\n");
                for i in items {
                    let _ = writeln!(o, "- {}", md(i));
                }
                o.push('\n');
            }
        }
    }

    let c = &report.counts;
    o.push_str("### Findings by VEX status\n\n| findings |");
    for s in Status::ALL {
        let _ = write!(o, " {} |", md(s.as_str()));
    }
    o.push_str("\n|---:|");
    for _ in Status::ALL {
        o.push_str("---:|");
    }
    let _ = write!(o, "\n| {} |", c.total);
    for s in Status::ALL {
        let _ = write!(o, " {} |", c.status(s));
    }
    o.push_str("\n\n");
    let ui = c.status(Status::UnderInvestigation);
    if ui > 0 {
        let _ = writeln!(
            o,
            "{ui} finding(s) are **under\\_investigation**: no VEX statement has assessed them yet.\n"
        );
    }

    o.push_str("### Severity × VEX status\n\n| severity |");
    for s in Status::ALL {
        let _ = write!(o, " {} |", md(s.as_str()));
    }
    o.push_str(" total |\n|---|");
    for _ in Status::ALL {
        o.push_str("---:|");
    }
    o.push_str("---:|\n");
    for sev in Severity::ALL {
        let _ = write!(o, "| {sev} |");
        for s in Status::ALL {
            let _ = write!(o, " {} |", c.cell(sev, s));
        }
        let _ = writeln!(o, " {} |", c.severity(sev));
    }
    o.push('\n');

    if let Some(diff) = options.diff {
        let _ = writeln!(
            o,
            "### Changes since the base run\n\nBase {} {} (DB of {}) → this run (DB of {}): **{} new**, **{} fixed**, **{} status changed**, {} unchanged.\n",
            md(&diff.base_image.name),
            code(&short_digest(&diff.base_image.digest)),
            md(&diff.base_database.date),
            md(&report.database.date),
            diff.new.len(),
            diff.fixed.len(),
            diff.changed.len(),
            diff.unchanged
        );
        for (title, list) in [("New", &diff.new), ("Fixed", &diff.fixed)] {
            if !list.is_empty() {
                let _ = writeln!(o, "{title}:\n");
                table(&mut o, list.iter().take(options.markdown_rows));
                more(&mut o, list.len(), options.markdown_rows);
            }
        }
        if !diff.changed.is_empty() {
            o.push_str("Status changed:\n\n| id | package | was | now |\n|---|---|---|---|\n");
            for ch in diff.changed.iter().take(options.markdown_rows) {
                let _ = writeln!(
                    o,
                    "| {} | {} {} | {} | {} |",
                    md(&ch.finding.id),
                    md(&ch.finding.package),
                    code(&ch.finding.installed),
                    md(ch.from.as_str()),
                    md(ch.finding.status.as_str())
                );
            }
            o.push('\n');
            more(&mut o, diff.changed.len(), options.markdown_rows);
        }
    }

    if !report.findings.is_empty() {
        let _ = writeln!(
            o,
            "### Findings ({} of {}, most severe first)\n",
            report.findings.len().min(options.markdown_rows),
            report.findings.len()
        );
        table(&mut o, report.findings.iter().take(options.markdown_rows));
        more(&mut o, report.findings.len(), options.markdown_rows);
    }

    if !report.paths.is_empty() {
        o.push_str("### Entry-trace paths of reachable findings\n\n");
        for p in report.paths.iter().take(options.markdown_rows) {
            let steps: Vec<String> = p.steps.iter().map(|s| md(s)).collect();
            let _ = writeln!(
                o,
                "- {} ({}): {} → **{}**",
                md(&p.package),
                md(&p.findings.join(", ")),
                steps.join(" → "),
                md(&p.package)
            );
        }
        o.push('\n');
        more(&mut o, report.paths.len(), options.markdown_rows);
    }

    o.push_str("### Evidence chain\n\n| step | artifact | digest | state |\n|---|---|---|---|\n");
    for e in &report.evidence {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {}: {} |",
            md(e.step),
            md(&e.kind),
            e.digest
                .as_deref()
                .map_or_else(|| "none".to_owned(), |d| code(&short_digest(d))),
            e.verification.label(),
            md(e.verification.detail())
        );
    }
    o.push('\n');

    if !report.waivers.is_empty() {
        o.push_str(
            "### Waivers\n\n| vulnerability | reason | expires | state |\n|---|---|---|---|\n",
        );
        for w in &report.waivers {
            let state = waiver_state(w.expires, now, options.expiring_within_days);
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md(&w.vuln_id),
                md(&w.reason),
                code(&w.expires.to_rfc3339()),
                state
            );
        }
        o.push('\n');
    }

    let db = &report.database;
    let age = match (Timestamp::parse_rfc3339(&db.date), now) {
        (Ok(date), Some(t)) => format!(", {} day(s) old", days_between(date, t)),
        _ => String::new(),
    };
    let _ = writeln!(
        o,
        "DB snapshot of {}{age} ({} records, {}).",
        md(&db.date),
        db.records,
        code(&short_digest(&db.digest))
    );
    if !report.problems.is_empty() {
        o.push_str("\nInconsistencies noticed:\n\n");
        for p in &report.problems {
            let _ = writeln!(o, "- {}", md(p));
        }
    }
    o
}

fn waiver_state(expires: Timestamp, now: Option<Timestamp>, within: u32) -> String {
    match now {
        None => "not assessed".to_owned(),
        Some(t) if expires <= t => "**expired**".to_owned(),
        Some(t) => {
            let days = days_between(t, expires);
            if days < i64::from(within) {
                format!("**expires in {days} day(s)**")
            } else {
                format!("{days} day(s) left")
            }
        }
    }
}

fn table<'a>(o: &mut String, findings: impl Iterator<Item = &'a Finding>) {
    o.push_str("| id | package | installed | fixed in | severity | status | reachability |\n|---|---|---|---|---|---|---|\n");
    for f in findings {
        let mut status = md(f.status.as_str());
        if let Some(j) = &f.justification {
            let _ = write!(status, " ({})", md(j));
        }
        let fixed = if f.fixed.is_empty() {
            "no fix".to_owned()
        } else {
            f.fixed
                .iter()
                .map(|v| code(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {}{} | {} | {} |",
            md(&f.id),
            md(&f.package),
            code(&f.installed),
            fixed,
            f.severity,
            f.score.map_or(String::new(), |s| format!(" {s:.1}")),
            status,
            f.reachability
        );
    }
    o.push('\n');
}

fn more(o: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(o, "… and {} more in the HTML report.\n", total - shown);
    }
}
