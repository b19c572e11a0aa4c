#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The Markdown variant through a CommonMark + GFM-tables parser (pulldown-cmark): tables
//! parse as tables, hostile text renders as itself with no HTML, link or image.

mod common;

use common::{F, HOSTILE, Run};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use stella_report::{Diff, RenderOptions, markdown};

fn parse(md: &str) -> Vec<Event<'_>> {
    Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).collect()
}

fn text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::TableCell) => s.push(' '),
            _ => {}
        }
    }
    s
}

#[test]
fn hostile_text_renders_as_itself() {
    let mut run = Run::new(HOSTILE[0]);
    for (i, h) in HOSTILE.iter().enumerate() {
        let id: &'static str = Box::leak(format!("{h}-{i}").into_boxed_str());
        run.finding(F {
            id,
            package: h,
            summary: h,
            reachability: "reachable",
            trace: &[HOSTILE[5]],
            ..F::default()
        });
        run.waiver(id, h, "2024-06-05T00:00:00Z");
        run.violations.push((*h).to_owned());
    }
    let md = markdown(&run.report(), &RenderOptions::default());
    let events = parse(&md);
    for e in &events {
        assert!(
            !matches!(e, Event::Html(_) | Event::InlineHtml(_)),
            "raw HTML: {e:?}"
        );
        assert!(
            !matches!(
                e,
                Event::Start(
                    Tag::Link { .. } | Tag::Image { .. } | Tag::Emphasis | Tag::Strikethrough
                )
            ),
            "markup from input: {e:?}"
        );
    }
    let rendered = text(&events);
    for h in HOSTILE {
        // Control characters become spaces; everything else is there, verbatim.
        let expected: String = h
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        assert!(rendered.contains(&expected), "{h:?} not rendered as itself");
    }
}

#[test]
fn tables_parse_and_counts_match() {
    let mut base = Run::new("app:1");
    base.finding(F {
        id: "CVE-1",
        status: "affected",
        ..F::default()
    });
    let mut head = Run::new("app:2");
    head.finding(F {
        id: "CVE-1",
        status: "under_investigation",
        ..F::default()
    })
    .finding(F {
        id: "CVE-2",
        status: "under_investigation",
        reachability: "reachable",
        trace: &["/bin/app", "lib.py"],
        ..F::default()
    });
    let head_report = head.report();
    let diff = Diff::between(&base.report(), &head_report);
    let md = markdown(
        &head_report,
        &RenderOptions {
            diff: Some(&diff),
            ..RenderOptions::default()
        },
    );
    let events = parse(&md);
    let tables = events
        .iter()
        .filter(|e| matches!(e, Event::Start(Tag::Table(_))))
        .count();
    // status counts, matrix, new, changed, findings, evidence
    assert_eq!(tables, 6, "{md}");
    // The status table's cells: findings total, affected, under_investigation, fixed, not_affected.
    let mut cells = Vec::new();
    let mut in_cell = false;
    let mut cell = String::new();
    for e in &events {
        match e {
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                cell.clear();
            }
            Event::End(TagEnd::TableCell) => {
                in_cell = false;
                cells.push(cell.clone());
            }
            Event::Text(t) | Event::Code(t) if in_cell => cell.push_str(t),
            _ => {}
        }
    }
    assert_eq!(
        &cells[..10],
        [
            "findings",
            "affected",
            "under_investigation",
            "fixed",
            "not_affected",
            "2",
            "0",
            "2",
            "0",
            "0"
        ]
    );
    assert!(
        md.contains("**1 new**, **0 fixed**, **1 status changed**"),
        "{md}"
    );
}

#[test]
fn markdown_is_deterministic() {
    let mut run = Run::new("app");
    run.finding(F::default());
    assert_eq!(
        markdown(&run.report(), &RenderOptions::default()),
        markdown(&run.report(), &RenderOptions::default())
    );
}
