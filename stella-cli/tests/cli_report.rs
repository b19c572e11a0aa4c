#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella report`: the demo's page and summary, verified evidence with the demo key, the
//! store-only mode, and `--base` between two runs of the demo image with different DB snapshots.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::stella;
use serde_json::Value;
use stella::image::testing::write_oci_layout;

fn ok(cmd: &mut assert_cmd::Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `<span class="n" data-count="KEY">N</span>` on the page.
fn count(page: &str, key: &str) -> u64 {
    let marker = format!("data-count=\"{key}\">");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no count {key}"))
        + marker.len();
    page[at..].split('<').next().unwrap().parse().unwrap()
}

fn blob(store: &Path, report: &Value, kind: &str) -> Value {
    let digest = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == kind)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = store
        .join("blobs/sha256")
        .join(digest.strip_prefix("sha256:").unwrap());
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_demo_report_counts_what_the_json_says_and_verifies_with_the_demo_key() {
    let t = tempfile::tempdir().unwrap();
    let store = t.path().join("store");
    let run = ok(stella()
        .args(["run", "--demo", "--deterministic", "--json", "--store"])
        .arg(&store));
    let run_file = t.path().join("run.json");
    std::fs::write(&run_file, &run).unwrap();
    let report: Value = serde_json::from_slice(&run).unwrap();
    let html_file = t.path().join("r.html");
    ok(stella()
        .arg("report")
        .arg(&run_file)
        .arg("--store")
        .arg(&store)
        .args(["--demo-key", "--output-file"])
        .arg(&html_file));
    let page = std::fs::read_to_string(&html_file).unwrap();
    // Counts from the documents themselves: severity from the findings JSON, status after VEX
    // from the gate input.
    let findings = blob(&store, &report, "findings");
    let gate = blob(&store, &report, "gate-input");
    assert_eq!(
        count(&page, "findings"),
        findings["findings"].as_array().unwrap().len() as u64
    );
    for status in ["affected", "fixed", "not_affected", "under_investigation"] {
        let n = gate["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["exploitability"] == status)
            .count() as u64;
        assert_eq!(count(&page, &format!("status:{status}")), n, "{status}");
        assert_eq!(report["by_vex_status"][status].as_u64().unwrap(), n);
    }
    for (level, n) in findings["summary"]["by_severity"].as_object().unwrap() {
        assert_eq!(
            count(&page, &format!("severity:{level}")),
            n.as_u64().unwrap()
        );
    }
    // Every link of the evidence chain verified with the demo key, receipts included.
    let states: Vec<&str> = page
        .match_indices("<li class=\"ev ")
        .map(|(i, _)| page[i + 14..].split('"').next().unwrap())
        .collect();
    assert_eq!(states.len(), 13, "{states:?}");
    assert!(states.iter().all(|s| *s == "ok"), "{states:?}");
    assert!(page.contains("entry 3 of a tree of 4 in stella.local/log"));
    // Entry-trace chains of the reachable findings are drawn.
    assert_eq!(page.matches("<figure class=\"path\"").count(), 2);

    // Deterministic: a second render gives the same bytes; and store-only mode (the audit log)
    // gives the same counts, with the receipts shown as missing.
    let again = ok(stella()
        .arg("report")
        .arg(&run_file)
        .arg("--store")
        .arg(&store)
        .arg("--demo-key"));
    assert_eq!(again, page.as_bytes());
    let store_only =
        String::from_utf8(ok(stella().args(["report", "--store"]).arg(&store))).unwrap();
    assert_eq!(count(&store_only, "status:under_investigation"), 3);
    assert!(store_only.contains("not named by the audit log"));

    // A different key: signatures fail, and say so.
    let key = t.path().join("other.pem");
    let public = t.path().join("other.pub");
    ok(stella()
        .args(["key", "generate", "--output-file"])
        .arg(&key)
        .arg("--public-file")
        .arg(&public));
    let wrong = String::from_utf8(ok(stella()
        .arg("report")
        .arg(&run_file)
        .arg("--store")
        .arg(&store)
        .arg("--key")
        .arg(&public)))
    .unwrap();
    assert!(wrong.contains("<li class=\"ev failed\">"));
}

#[test]
fn base_shows_what_a_newer_db_snapshot_adds() {
    let t = tempfile::tempdir().unwrap();
    let demo = stella_demo::Demo::build().unwrap();
    let layout = t.path().join("demo-image");
    write_oci_layout(&layout, &demo.image.root, &demo.image.blobs).unwrap();
    let key = t.path().join("key.pem");
    ok(stella()
        .args(["key", "generate", "--algorithm", "ed25519", "--output-file"])
        .arg(&key));
    let policy = t.path().join("vex-policy.yaml");
    std::fs::write(&policy, stella_demo::VEX_POLICY).unwrap();
    // The old snapshot lacks the two newest advisories the demo image matches.
    let run = |name: &str, records: &[(&str, &str)], date: &str| -> (Value, std::path::PathBuf) {
        let osv = t.path().join(format!("osv-{name}"));
        std::fs::create_dir_all(&osv).unwrap();
        for (file, json) in records {
            std::fs::write(osv.join(file), json).unwrap();
        }
        let snap = t.path().join(format!("{name}.db"));
        ok(stella()
            .args(["db", "build", osv.to_str().unwrap(), "--output"])
            .arg(&snap)
            .args(["--date", date]));
        let store = t.path().join(format!("store-{name}"));
        let out = ok(stella()
            .arg("run")
            .arg(&layout)
            .arg("--db")
            .arg(&snap)
            .arg("--key")
            .arg(&key)
            .arg("--vex-policy")
            .arg(&policy)
            .args([
                "--deterministic",
                "--time",
                stella_demo::DEMO_TIME,
                "--json",
                "--store",
            ])
            .arg(&store));
        std::fs::write(t.path().join(format!("{name}.json")), &out).unwrap();
        (serde_json::from_slice(&out).unwrap(), store)
    };
    let all = stella_demo::RECORDS;
    let (old_report, old_store) = run("old", &all[2..], "2024-01-01T00:00:00Z");
    let (new_report, new_store) = run("new", all, stella_demo::DEMO_TIME);

    let key_of = |f: &Value| {
        (
            f["id"].as_str().unwrap().to_owned(),
            f["package"]["ecosystem"].as_str().unwrap().to_owned(),
            f["package"]["name"].as_str().unwrap().to_owned(),
        )
    };
    let ids = |report: &Value, store: &Path| -> BTreeSet<(String, String, String)> {
        blob(store, report, "findings")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(key_of)
            .collect()
    };
    let old_ids = ids(&old_report, &old_store);
    let new_ids = ids(&new_report, &new_store);
    let added: Vec<_> = new_ids.difference(&old_ids).collect();
    let gone: Vec<_> = old_ids.difference(&new_ids).collect();
    assert!(
        !added.is_empty(),
        "the snapshots must differ in what they match"
    );

    let page = String::from_utf8(ok(stella()
        .arg("report")
        .arg(t.path().join("new.json"))
        .arg("--store")
        .arg(&new_store)
        .arg("--base")
        .arg(t.path().join("old.json"))
        .arg("--base-store")
        .arg(&old_store)))
    .unwrap();
    assert_eq!(count(&page, "diff:new"), added.len() as u64);
    assert_eq!(count(&page, "diff:fixed"), gone.len() as u64);
    assert_eq!(count(&page, "diff:changed"), 0);
    assert_eq!(
        count(&page, "diff:unchanged"),
        new_ids.intersection(&old_ids).count() as u64
    );
    let new_table = page.split("id=\"diff-new\"").nth(1).unwrap();
    let new_table = new_table.split("</table>").next().unwrap();
    for (id, _, _) in &added {
        assert!(new_table.contains(id.as_str()), "{id} not listed as new");
    }
    assert!(page.contains("DB of 2024-01-01T00:00:00Z"));

    // The same diff as Markdown, with the base given as a store directory (its last run).
    let md = String::from_utf8(ok(stella()
        .arg("report")
        .arg(t.path().join("new.json"))
        .arg("--store")
        .arg(&new_store)
        .arg("--base")
        .arg(&old_store)
        .args(["-o", "markdown"])))
    .unwrap();
    assert!(md.contains(&format!("**{} new**", added.len())), "{md}");
}

#[test]
fn errors_exit_2_with_the_input() {
    let t = tempfile::tempdir().unwrap();
    let out = stella()
        .args(["report", "--store"])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no complete run"));
    let bad = t.path().join("run.json");
    std::fs::write(&bad, b"{\"image_digest\":1}").unwrap();
    let out = stella()
        .arg("report")
        .arg(&bad)
        .arg("--store")
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run.json"));
}
