#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The report's model and HTML page: counts, escaping of hostile input, determinism, waivers,
//! the diff, 10,000 findings, refused documents.

mod common;

use common::{F, HOSTILE, Run};
use stella_core::Timestamp;
use stella_report::{
    BuildOptions, Diff, RenderOptions, Report, ReportError, Severity, Status, Verification, html,
};

fn count(page: &str, key: &str) -> u64 {
    let marker = format!("data-count=\"{key}\">");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no count {key}"))
        + marker.len();
    page[at..].split('<').next().unwrap().parse().unwrap()
}

/// Every tag on the page, by name (`div`, `/div`, `!DOCTYPE`).
fn tags(page: &str) -> Vec<String> {
    // Outside the page's own style (first) and script (last), whose code has `<` in it.
    let style = page.find("<style>").unwrap() + 7;
    let style_end = page.find("</style>").unwrap();
    let script = page.rfind("<script>").unwrap() + 8;
    let script_end = page.rfind("</script>").unwrap();
    assert!(style < style_end && style_end < script && script < script_end);
    let markup = format!(
        "{}{}{}",
        &page[..style],
        &page[style_end..script],
        &page[script_end..]
    );
    let mut out = Vec::new();
    let mut rest = markup.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!' || *c == '-')
            .collect();
        out.push(name);
    }
    out
}

const OUR_TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "div",
    "p",
    "h1",
    "h2",
    "h3",
    "code",
    "nav",
    "ul",
    "li",
    "a",
    "main",
    "section",
    "dl",
    "dt",
    "dd",
    "ol",
    "strong",
    "span",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "form",
    "label",
    "input",
    "select",
    "option",
    "button",
    "output",
    "figure",
    "figcaption",
    "br",
    "svg",
    "g",
    "text",
    "rect",
    "footer",
    "script",
];

fn demo_like() -> Run {
    let mut run = Run::new("registry.example/app:1");
    run.finding(F {
        id: "CVE-2018-18074",
        aliases: &["GHSA-x84v-xcm2-53pg"],
        package: "requests",
        severity: "high",
        status: "affected",
        reachability: "reachable",
        trace: &[
            "/usr/bin/python3 (entrypoint)",
            "/app/main.py",
            "requests/__init__.py (import requests)",
        ],
        ..F::default()
    })
    .finding(F {
        id: "CVE-2",
        package: "lodash",
        severity: "critical",
        status: "not_affected",
        reachability: "unreachable",
        ..F::default()
    })
    .finding(F {
        id: "CVE-3",
        package: "urllib3",
        severity: "medium",
        status: "under_investigation",
        ..F::default()
    })
    .finding(F {
        id: "CVE-4",
        package: "libc6",
        severity: "unknown",
        status: "under_investigation",
        ..F::default()
    })
    .finding(F {
        id: "CVE-5",
        package: "zlib",
        severity: "low",
        status: "fixed",
        ..F::default()
    })
    .statement(
        "CVE-2",
        "pkg:npm/lodash@1.0.0",
        "not_affected",
        "vulnerable_code_not_in_execute_path",
        "machine-derived",
    );
    run
}

#[test]
fn counts_keep_under_investigation_on_its_own() {
    let report = demo_like().report();
    let c = &report.counts;
    assert_eq!(c.total, 5);
    assert_eq!(c.status(Status::UnderInvestigation), 2);
    assert_eq!(c.status(Status::Affected), 1);
    assert_eq!(c.status(Status::NotAffected), 1);
    assert_eq!(c.status(Status::Fixed), 1);
    assert_eq!(c.cell(Severity::Medium, Status::UnderInvestigation), 1);
    assert_eq!(c.cell(Severity::Unknown, Status::UnderInvestigation), 1);
    let page = html(&report, &RenderOptions::default());
    assert_eq!(count(&page, "status:under_investigation"), 2);
    assert_eq!(count(&page, "matrix:critical:not_affected"), 1);
    assert_eq!(count(&page, "findings"), 5);
    // The matrix cells add up to the total.
    let sum: u64 = Severity::ALL
        .iter()
        .flat_map(|s| Status::ALL.iter().map(move |t| (s, t)))
        .map(|(s, t)| count(&page, &format!("matrix:{s}:{t}")))
        .sum();
    assert_eq!(sum, 5);
    // The justification comes from the VEX statement about that package.
    let lodash = report.findings.iter().find(|f| f.id == "CVE-2").unwrap();
    assert_eq!(
        lodash.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    // Most severe first.
    assert_eq!(report.findings[0].severity, Severity::Critical);
    // The reachable finding's chain is drawn, ending at the package.
    assert_eq!(report.paths.len(), 1);
    assert!(page.contains("<li class=\"pkg\">requests 1.0.0</li>"));
    // Platform, layers and packages from the SBOM.
    assert_eq!(report.image.platform.as_deref(), Some("linux/arm64"));
    assert_eq!(report.packages, 2);
    assert_eq!(report.by_ecosystem.len(), 2);
}

#[test]
fn hostile_strings_are_inert_in_the_page() {
    let mut run = Run::new(HOSTILE[0]);
    for (i, h) in HOSTILE.iter().enumerate() {
        let id = format!("{h}-{i}");
        let id: &'static str = Box::leak(id.into_boxed_str());
        run.finding(F {
            id,
            aliases: &[HOSTILE[1], HOSTILE[2]],
            package: h,
            version: h,
            summary: h,
            reachability: "reachable",
            trace: &[HOSTILE[0], HOSTILE[3]],
            status: "not_affected",
            ..F::default()
        });
        run.statement(id, &format!("pkg:npm/{h}@{h}"), "not_affected", h, h);
        run.waiver(id, h, "2024-06-05T00:00:00Z");
        run.violations.push((*h).to_owned());
    }
    let report = run.report();
    let page = html(&report, &RenderOptions::default());
    // Only our own tags: nothing from the input opened an element.
    for tag in tags(&page) {
        let name = tag.trim_start_matches('/');
        assert!(OUR_TAGS.contains(&name), "unexpected tag <{tag}>");
    }
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert_eq!(page.matches("<style").count(), 1);
    // No event-handler attribute inside any tag (the text "onerror=" is there, escaped).
    for segment in page.split('<').skip(1) {
        let tag = segment.split('>').next().unwrap();
        if tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
            assert!(
                !tag.contains(" on") && !tag.contains("'on"),
                "an attribute came through: <{tag}>"
            );
        }
    }
    assert!(!page.contains("href=\"javascript"));
    // Every link stays on the page.
    for (i, _) in page.match_indices("href=\"") {
        assert!(
            page[i + 6..].starts_with('#'),
            "a link out: {}",
            &page[i..i + 40]
        );
    }
    // No control characters, and the hostile text is there, escaped.
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}'));
    assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("&amp;lt;escaped&amp;gt;"));
    // A CSP forbids every network source.
    assert!(page.contains("default-src 'none'"));
    assert!(page.contains("connect-src 'none'"));
}

#[test]
fn the_page_is_deterministic_and_has_no_time_unless_asked() {
    let run = demo_like();
    let (doc, blobs) = run.documents();
    let a = html(
        &Report::build(&doc, &blobs, &BuildOptions::default()).unwrap(),
        &RenderOptions::default(),
    );
    let b = html(
        &Report::build(&doc, &blobs, &BuildOptions::default()).unwrap(),
        &RenderOptions::default(),
    );
    assert_eq!(a, b);
    assert!(!a.contains(" at 20"), "a generation time leaked in");
    let at = Timestamp::parse_rfc3339("2025-01-02T03:04:05Z").unwrap();
    let c = html(
        &Report::build(&doc, &blobs, &BuildOptions::default()).unwrap(),
        &RenderOptions {
            generated_at: Some(at),
            ..RenderOptions::default()
        },
    );
    assert!(c.contains("at 2025-01-02T03:04:05Z"));
}

#[test]
fn waivers_expiring_soon_are_highlighted_relative_to_the_given_now() {
    let mut run = demo_like();
    run.waiver("CVE-3", "fix ships next sprint", "2024-06-10T00:00:00Z")
        .waiver("CVE-4", "accepted", "2024-12-31T00:00:00Z")
        .waiver("CVE-5", "old", "2024-05-01T00:00:00Z");
    let report = run.report();
    // At decision time (2024-06-01): one soon (9 days), one far, one expired.
    let page = html(&report, &RenderOptions::default());
    assert_eq!(count(&page, "waivers:soon"), 1);
    assert_eq!(page.matches("<tr class=\"w-soon\">").count(), 1);
    assert_eq!(page.matches("<tr class=\"w-expired\">").count(), 1);
    // Given a later now, the far one is soon and the near one expired.
    let now = Timestamp::parse_rfc3339("2024-12-25T00:00:00Z").unwrap();
    let page = html(
        &report,
        &RenderOptions {
            now: Some(now),
            ..RenderOptions::default()
        },
    );
    assert_eq!(page.matches("<tr class=\"w-soon\">").count(), 1);
    assert_eq!(page.matches("<tr class=\"w-expired\">").count(), 2);
    assert!(page.contains("expires in 6 day(s)"));
    // The DB's age is relative to the same now.
    assert!(page.contains("238 day(s) as of the given time"));
}

#[test]
fn diff_finds_new_fixed_and_changed() {
    let base = demo_like();
    let mut head = Run::new("registry.example/app:2");
    head.finding(F {
        id: "CVE-2",
        package: "lodash",
        severity: "critical",
        status: "affected",
        ..F::default()
    })
    .finding(F {
        id: "CVE-3",
        package: "urllib3",
        severity: "medium",
        status: "under_investigation",
        version: "2.0.0",
        ..F::default()
    })
    .finding(F {
        id: "CVE-9",
        package: "new",
        severity: "high",
        status: "under_investigation",
        ..F::default()
    });
    let diff = Diff::between(&base.report(), &head.report());
    let ids = |v: &[stella_report::Finding]| v.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&diff.new), ["CVE-9"]);
    assert_eq!(
        ids(&diff.fixed),
        ["CVE-2018-18074", "CVE-5", "CVE-4"],
        "most severe first"
    );
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(diff.changed[0].finding.id, "CVE-2");
    assert_eq!(diff.changed[0].from, Status::NotAffected);
    assert_eq!(
        diff.unchanged, 1,
        "urllib3 moved version but is still affected"
    );
    let page = html(
        &head.report(),
        &RenderOptions {
            diff: Some(&diff),
            ..RenderOptions::default()
        },
    );
    assert_eq!(count(&page, "diff:new"), 1);
    assert_eq!(count(&page, "diff:fixed"), 3);
    assert_eq!(count(&page, "diff:changed"), 1);
}

#[test]
fn ten_thousand_findings_are_all_in_the_page_and_paged_by_the_script() {
    let mut run = Run::new("big");
    let ids: Vec<String> = (0..10_000).map(|i| format!("CVE-2024-{i:05}")).collect();
    for (i, id) in ids.iter().enumerate() {
        run.finding(F {
            id,
            status: ["affected", "fixed", "not_affected", "under_investigation"][i % 4],
            severity: ["critical", "high", "medium", "low", "unknown"][i % 5],
            ..F::default()
        });
    }
    let report = run.report();
    assert_eq!(report.counts.total, 10_000);
    assert_eq!(report.counts.status(Status::UnderInvestigation), 2_500);
    let page = html(&report, &RenderOptions::default());
    assert_eq!(page.matches("<tr data-status=").count(), 10_000);
    assert!(page.contains("data-page-size=\"100\""));
    assert_eq!(count(&page, "table:rows"), 10_000);
}

#[test]
fn evidence_shows_what_was_checked() {
    let (run, mut blobs) = demo_like().documents();
    let report = Report::build(&run, &blobs, &BuildOptions::default()).unwrap();
    let link = |r: &Report, kind: &str| {
        r.evidence
            .iter()
            .find(|l| l.kind == kind)
            .unwrap()
            .verification
            .clone()
    };
    assert!(matches!(
        link(&report, "findings"),
        Verification::Verified(_)
    ));
    assert!(matches!(
        link(&report, "decision-attestation"),
        Verification::Missing(_)
    ));
    // A stored SBOM whose bytes changed is failed, not verified (the caller hands over what
    // the store holds).
    let sbom_digest = report
        .evidence
        .iter()
        .find(|l| l.kind == "sbom-cyclonedx")
        .unwrap()
        .digest
        .clone()
        .unwrap();
    blobs.insert(sbom_digest, b"{}".to_vec());
    let report = Report::build(&run, &blobs, &BuildOptions::default()).unwrap();
    assert!(matches!(
        link(&report, "sbom-cyclonedx"),
        Verification::Failed(_)
    ));
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("SBOM was not supplied"))
    );
}

#[test]
fn refused_documents_are_typed_errors() {
    let (run, blobs) = demo_like().documents();
    // Duplicate keys in the run report.
    let dup = br#"{"image_digest":"a","image_digest":"b","image_name":"x"}"#;
    assert!(matches!(
        Report::build(dup, &blobs, &BuildOptions::default()),
        Err(ReportError::Document {
            what: "run report",
            ..
        })
    ));
    // No findings artifact.
    let none = br#"{"image_digest":"a","image_name":"x","artifacts":[]}"#;
    assert!(matches!(
        Report::build(none, &blobs, &BuildOptions::default()),
        Err(ReportError::MissingArtifact {
            kind: "findings",
            ..
        })
    ));
    // An unknown status after VEX.
    let mut bad = demo_like();
    bad.gate_findings[0]["exploitability"] = "probably_fine".into();
    let (doc, b) = bad.documents();
    assert!(matches!(
        Report::build(&doc, &b, &BuildOptions::default()),
        Err(ReportError::Field {
            field: "status",
            ..
        })
    ));
    // Too deep for the limits.
    let deep = stella_core::canonical::JsonLimits {
        max_depth: 2,
        ..Default::default()
    };
    assert!(
        Report::build(
            &run,
            &blobs,
            &BuildOptions {
                limits: deep,
                ..BuildOptions::default()
            }
        )
        .is_err()
    );
    // A run report whose findings digest lies about its bytes.
    let mut lying = blobs.clone();
    let findings_digest = blobs
        .keys()
        .find(|k| blobs[*k].starts_with(b"{\"db\""))
        .unwrap()
        .clone();
    lying.insert(findings_digest, b"{}".to_vec());
    assert!(Report::build(&run, &lying, &BuildOptions::default()).is_err());
}
