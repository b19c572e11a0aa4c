#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Merge and apply outputs pinned byte for byte.
//!
//! A generated fixture that exercises every part of a decision (issuer precedence, recency,
//! exact ties broken by caution and digest, aliases, statement `@id`s, `last_updated`,
//! versionless purls, subcomponents, out-of-scope and future statements, live and expired
//! waivers) is merged and applied; the SHA-256 of each output (merged document with and
//! without explanations, the whole `Merged` and `Applied` as JSON, the text explanation) is
//! compared with the digests recorded when this test was written. A change of any byte of any
//! output fails here: if the change is intended, say so in the commit and update the digests
//! (the failure message prints the new ones).
//!
//! The same outputs are also required to be independent of the order of the sources.

mod common;

use common::*;
use serde_json::json;
use stella_core::{Digest, Timestamp};
use stella_vex::{
    FindingRef, Justification, MergeOptions, Status, TrustPolicy, VexSet, VexSource, Waiver,
};

const DOCS: usize = 12;
const PER_DOC: usize = 150;
const VULNS: usize = 23;
const PACKAGES: usize = 11;
const FINDINGS: usize = 400;

fn now() -> Timestamp {
    ts("2026-11-26T00:00:00Z")
}

fn policy() -> TrustPolicy {
    TrustPolicy::from_yaml(
        r#"
allow_unsigned: true
trust_any_author: true
issuers:
  - name: vendor
    identities: ["author-0"]
    products: ["pkg:npm/pkg-1", "pkg:npm/pkg-2", "pkg:npm/pkg-3", "pkg:npm/pkg-5", "pkg:oci/app"]
    precedence: 100
  - name: distro
    identities: ["author-1"]
    precedence: 50
  - name: team
    identities: ["author-2"]
    precedence: 50
"#,
    )
    .unwrap()
}

fn documents() -> Vec<Vec<u8>> {
    let mut docs: Vec<Vec<u8>> = (0..DOCS)
        .map(|d| {
            let statements: Vec<_> = (0..PER_DOC)
                .map(|i| {
                    let n = d * PER_DOC + i;
                    let v = (n * 7) % VULNS;
                    let p = (n * 5) % PACKAGES;
                    let product = if n % 2 == 0 {
                        format!("pkg:npm/pkg-{p}")
                    } else {
                        format!("pkg:npm/pkg-{p}@1.{}.0", p % 3)
                    };
                    // Few distinct times, so exact ties are common.
                    let mut s = json!({
                        "vulnerability": {"name": format!("CVE-2024-{v:05}")},
                        "products": [{"@id": product}],
                        "timestamp": format!("2024-{:02}-01T00:00:00Z", 1 + n % 3),
                    });
                    if v % 3 != 0 {
                        s["vulnerability"]["aliases"] = json!([format!("GHSA-{v:04x}-gold")]);
                    }
                    if n % 3 == 0 {
                        s["@id"] = json!(format!("https://example.com/vex/{d}#s{i}"));
                    }
                    if n % 5 == 0 {
                        s["last_updated"] = json!("2024-05-01T00:00:00Z");
                    }
                    if n % 89 == 0 {
                        s["timestamp"] = json!("2031-01-01T00:00:00Z");
                    }
                    if n % 13 == 0 {
                        s["products"] = json!([{"@id": "pkg:oci/app@sha256%3Aabc",
                            "subcomponents": [{"@id": format!("pkg:npm/pkg-{p}")}]}]);
                    }
                    if n % 17 == 0 {
                        s["status_notes"] = json!("checked by hand");
                    }
                    match n % 4 {
                        0 => {
                            s["status"] = json!("not_affected");
                            s["justification"] = json!("vulnerable_code_not_in_execute_path");
                            s["impact_statement"] = json!("not reachable");
                        }
                        1 => {
                            s["status"] = json!("affected");
                            s["action_statement"] = json!("upgrade");
                        }
                        2 => s["status"] = json!("fixed"),
                        _ => s["status"] = json!("under_investigation"),
                    }
                    s
                })
                .collect();
            doc(
                &format!("https://example.com/vex/{d}"),
                &format!("author-{}", d % 5),
                "2024-01-01T00:00:00Z",
                json!(statements),
            )
        })
        .collect();
    // The same statements under another @id: ties broken by digest alone.
    let copy = String::from_utf8(docs[3].clone()).unwrap().replace(
        "https://example.com/vex/3\"",
        "https://example.com/vex/3-copy\"",
    );
    docs.push(copy.into_bytes());
    docs
}

fn image() -> Digest {
    Digest::of(b"gold image")
}

fn sources() -> Vec<VexSource> {
    let mut sources: Vec<VexSource> = documents()
        .iter()
        .map(|d| VexSource::unsigned(d).unwrap())
        .collect();
    for (vulns, expires) in [
        (
            vec!["CVE-2024-00024", "GHSA-0004-gold"],
            "2027-01-01T00:00:00Z",
        ),
        (vec!["CVE-2024-00005"], "2026-02-01T00:00:00Z"),
    ] {
        let waiver = Waiver::new(
            image(),
            vulns.into_iter().map(str::to_owned).collect(),
            "firewalled",
            "ciso@example.com",
            ts("2026-01-01T00:00:00Z"),
            ts(expires),
            Status::NotAffected,
            Some(Justification::InlineMitigationsAlreadyExist),
            None,
        )
        .unwrap();
        sources.push(VexSource::waiver(waiver).unwrap());
    }
    sources
}

fn findings() -> Vec<FindingRef> {
    (0..FINDINGS)
        .map(|i| {
            let v = (i * 5) % (VULNS + 3);
            let p = (i * 3) % (PACKAGES + 2);
            let id = if i % 2 == 0 {
                format!("CVE-2024-{v:05}")
            } else {
                format!("GHSA-{v:04x}-gold")
            };
            let mut f = FindingRef::new(id, format!("pkg:npm/pkg-{p}@1.{}.0", p % 3));
            match i % 3 {
                0 => f.artifact = Some("pkg:oci/app@sha256%3Aabc".into()),
                1 => f.artifact = Some(image().to_string()),
                _ => {}
            }
            f
        })
        .collect()
}

/// SHA-256 (hex) of each output, in a fixed order.
fn digests(sources: Vec<VexSource>) -> Vec<String> {
    let set = VexSet::build(sources, &policy(), now());
    let options = |explain| MergeOptions {
        now: now(),
        author: "golden".into(),
        explain,
    };
    let explained = set.merge(&options(true)).unwrap();
    let plain = set.merge(&options(false)).unwrap();
    let applied = set.apply(&findings());
    assert!(
        explained.decisions.len() > 100,
        "{}",
        explained.decisions.len()
    );
    assert!(explained.decisions.iter().any(|d| d.superseded.len() > 3));
    assert!(!explained.untrusted.is_empty() && explained.expired_waivers.len() == 1);
    assert!(applied.findings.iter().any(|f| f.superseded.len() > 2));
    assert!(
        applied
            .findings
            .iter()
            .any(|f| f.decided_by.as_ref().is_some_and(|p| p.source.waiver))
    );
    assert!(applied.counts.under_investigation > 0 && applied.counts.not_affected > 0);
    [
        explained.document.to_json().unwrap(),
        plain.document.to_json().unwrap(),
        serde_json::to_vec(&explained).unwrap(),
        explained.explain().into_bytes(),
        serde_json::to_vec(&applied).unwrap(),
    ]
    .iter()
    .map(|b| Digest::of(b).hex())
    .collect()
}

#[test]
fn merge_and_apply_outputs_are_pinned_byte_for_byte() {
    let got = digests(sources());
    // explained document, plain document, Merged JSON, explanation text, Applied JSON.
    let pinned = [
        "c1623854a7da9386811848dd9201b3cd92cd00b0917e699dd19b00741b05b535",
        "784d8a6a2c12ccb283a2c71021d9fe5bdf4bbdba5e1ac82940e4bafa8cd66121",
        "92e4a468200855672633c6dbf91a6258c4e4871d92ebb810141ea9b30f35a75d",
        "bd4a0863fe4a2d13b0c64a907a66cde18e09ae38231fca4f72f132bf4b5c1d9f",
        "4fa6d69c4f4b4ef45af32f1a0a1ef26efe61e80670fb360c27a9eb4cacab88d4",
    ];
    assert_eq!(
        got, pinned,
        "merge/apply outputs changed; new digests: {got:#?}"
    );
}

#[test]
fn merge_and_apply_outputs_do_not_depend_on_source_order() {
    let forward = digests(sources());
    let mut reversed = sources();
    reversed.reverse();
    // And an interleaving: odd positions first.
    let mut shuffled: Vec<VexSource> = Vec::new();
    let (odd, even): (Vec<_>, Vec<_>) = sources()
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 2 == 1);
    shuffled.extend(odd.into_iter().map(|(_, s)| s));
    shuffled.extend(even.into_iter().map(|(_, s)| s));
    assert_eq!(forward, digests(reversed));
    assert_eq!(forward, digests(shuffled));
}
