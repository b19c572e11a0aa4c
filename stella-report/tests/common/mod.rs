//! Documents of a run built in code (the shapes the pipeline writes), for the report's tests.

#![allow(dead_code)] // each test file uses part of the fixture

use serde_json::{Value, json};
use stella_core::Digest;
use stella_report::{Blobs, BuildOptions, Report};

/// One finding: (id, aliases, package, version, purl, severity, status after VEX, reachability,
/// trace).
pub struct F<'a> {
    pub id: &'a str,
    pub aliases: &'a [&'a str],
    pub package: &'a str,
    pub version: &'a str,
    pub severity: &'a str,
    pub status: &'a str,
    pub reachability: &'a str,
    pub trace: &'a [&'a str],
    pub summary: &'a str,
}

impl Default for F<'_> {
    fn default() -> Self {
        F {
            id: "CVE-2024-0001",
            aliases: &[],
            package: "pkg",
            version: "1.0.0",
            severity: "high",
            status: "affected",
            reachability: "unknown",
            trace: &[],
            summary: "a summary",
        }
    }
}

pub struct Run {
    pub image_name: String,
    pub findings: Vec<Value>,
    pub gate_findings: Vec<Value>,
    pub vex: Vec<Value>,
    pub waivers: Vec<Value>,
    pub violations: Vec<String>,
    pub db_date: String,
}

impl Run {
    pub fn new(image_name: &str) -> Self {
        Run {
            image_name: image_name.to_owned(),
            findings: Vec::new(),
            gate_findings: Vec::new(),
            vex: Vec::new(),
            waivers: Vec::new(),
            violations: Vec::new(),
            db_date: "2024-05-01T00:00:00Z".to_owned(),
        }
    }

    pub fn finding(&mut self, f: F<'_>) -> &mut Self {
        let purl = format!("pkg:npm/{}@{}", f.package, f.version);
        let mut ids = vec![f.id.to_owned()];
        ids.extend(f.aliases.iter().map(|a| (*a).to_owned()));
        self.findings.push(json!({
            "id": f.id, "ids": ids, "summary": f.summary,
            "package": {"name": f.package, "version": f.version, "purl": purl, "ecosystem": "npm"},
            "fixed_versions": ["9.9.9"],
            "severity": {"level": f.severity, "score": 7.5, "vectors": [{"kind": "CVSS_V3", "score": 7.5, "source": f.id}]},
            "status": "under_investigation",
            "reachability": f.reachability,
            "trace": f.trace,
            "evidence": {"locations": [{"layer": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "path": "x"}]},
        }));
        self.gate_findings
            .push(json!({"id": f.id, "package": {"purl": purl}, "exploitability": f.status}));
        self
    }

    pub fn statement(
        &mut self,
        vuln: &str,
        product: &str,
        status: &str,
        justification: &str,
        impact: &str,
    ) -> &mut Self {
        self.vex.push(
            json!({"vuln_id": vuln, "product": product, "status": status,
            "justification": justification, "impact_statement": impact}),
        );
        self
    }

    pub fn waiver(&mut self, vuln: &str, reason: &str, expires: &str) -> &mut Self {
        self.waivers
            .push(json!({"vuln_id": vuln, "reason": reason, "expires": expires, "valid": true}));
        self
    }

    /// The run report and its blobs.
    pub fn documents(&self) -> (Vec<u8>, Blobs) {
        let image = "sha256:abababababababababababababababababababababababababababababababab";
        let findings = json!({
            "db": {"date": self.db_date, "digest": "sha256:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "records": 42},
            "findings": self.findings,
            "target": {"os": {"pretty_name": "Debian GNU/Linux 12 (bookworm)"}},
        });
        let gate =
            json!({"findings": self.gate_findings, "vex": self.vex, "waivers": self.waivers});
        let decision = json!({
            "decided_at": "2024-06-01T00:00:00Z", "actor": "test",
            "policy": {"digest": "sha256:efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef", "revision": "rev-1"},
            "result": {"allow": self.violations.is_empty(), "violations": self.violations, "warnings": []},
        });
        let sbom = json!({
            "metadata": {"component": {"properties": [
                {"name": "stella:layer:0000", "value": "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
                {"name": "stella:platform", "value": "linux/arm64"}]}},
            "components": [
                {"type": "operating-system", "name": "debian"},
                {"type": "library", "purl": "pkg:npm/a@1", "properties": [{"name": "stella:layer_digest", "value": "sha256:1111111111111111111111111111111111111111111111111111111111111111"}]},
                {"type": "library", "purl": "pkg:deb/debian/b@1", "properties": []}
            ],
        });
        let mut blobs = Blobs::new();
        let mut artifacts = Vec::new();
        for (kind, doc) in [
            ("findings", findings),
            ("gate-input", gate),
            ("decision-record", decision),
            ("sbom-cyclonedx", sbom),
        ] {
            let bytes = serde_json::to_vec(&doc).unwrap();
            let digest = Digest::of(&bytes).to_string();
            artifacts.push(json!({"kind": kind, "digest": digest}));
            blobs.insert(digest, bytes);
        }
        let run =
            json!({"image_digest": image, "image_name": self.image_name, "artifacts": artifacts});
        (serde_json::to_vec(&run).unwrap(), blobs)
    }

    pub fn report(&self) -> Report {
        let (run, blobs) = self.documents();
        Report::build(&run, &blobs, &BuildOptions::default()).unwrap()
    }
}

/// Strings an attacker would put into ids, package names, justifications and summaries.
pub const HOSTILE: &[&str] = &[
    "</script><img src=x onerror=alert(1)>",
    "javascript:alert(document.domain)",
    "\"><svg onload=alert(1)>",
    "'onmouseover='alert(1)",
    "<!-- --><style>body{display:none}</style>",
    "[click](javascript:alert(1)) <b>bold</b> *em* | pipe `code` ![img](http://evil.example/x.png)",
    "&lt;escaped&gt; &amp; \u{0} \u{1b}[31m",
    "http://evil.example/phish www.evil.example",
];
