//! The self-contained HTML page.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};
use stella_core::Timestamp;

use crate::RenderOptions;
use crate::diff::Diff;
use crate::escape::{days_between, html as esc, push_html, short_digest};
use crate::model::{Bar, Finding, Reachability, Report, Severity, Status, Verification};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// Renders `report` as one self-contained HTML page.
///
/// Nothing on the page loads from anywhere: the Content-Security-Policy allows no source at
/// all (`default-src 'none'`) except the page's own inline style and script, by hash; there
/// are no links out of the page, images are inline SVG, and every text from the documents is
/// escaped. The findings table is in the HTML in full (readable and printable without the
/// script); the script adds sorting, filtering and paging.
pub fn html(report: &Report, options: &RenderOptions<'_>) -> String {
    let mut p = Page {
        out: String::with_capacity(4096 + report.findings.len() * 900),
    };
    let now = options.now.or(report.scanned_at);
    p.head(report);
    p.raw("<body>\n");
    p.header(report);
    p.raw("<main>\n");
    p.image(report);
    p.decision(report);
    p.counts(report);
    if let Some(diff) = options.diff {
        p.diff(report, diff);
    }
    p.findings(report, options.page_size);
    p.paths(report);
    p.evidence(report);
    p.waivers(
        report,
        now,
        options.now.is_some(),
        options.expiring_within_days,
    );
    p.packages(report);
    p.database(report, now, options.now.is_some());
    p.problems(report);
    p.raw("</main>\n<footer><p>Rendered by stella-report ");
    p.raw(env!("CARGO_PKG_VERSION"));
    if let Some(t) = options.generated_at {
        p.raw(" at ");
        p.text(&t.to_rfc3339());
    }
    p.raw(". Self-contained: this page loads nothing from the network.</p></footer>\n<script>");
    p.raw(SCRIPT);
    p.raw("</script>\n</body>\n</html>\n");
    p.out
}

struct Page {
    out: String,
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Affected => "st-affected",
        Status::Fixed => "st-fixed",
        Status::NotAffected => "st-not-affected",
        Status::UnderInvestigation => "st-ui",
    }
}

impl Page {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn text(&mut self, s: &str) {
        push_html(&mut self.out, s);
    }

    fn count(&mut self, key: &str, n: u64) {
        let _ = write!(
            self.out,
            "<span class=\"n\" data-count=\"{key}\">{n}</span>"
        );
    }

    fn head(&mut self, report: &Report) {
        self.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        let _ = writeln!(
            self.out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; img-src 'none'; connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'\">",
            csp_hash(STYLE),
            csp_hash(SCRIPT)
        );
        self.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>Stella Ops report: ");
        self.text(&report.image.name);
        self.raw("</title>\n<style>");
        self.raw(STYLE);
        self.raw("</style>\n</head>\n");
    }

    fn header(&mut self, report: &Report) {
        self.raw("<header class=\"top\">\n<div>\n<p class=\"brand\">Stella Ops report</p>\n<h1>");
        self.text(&report.image.name);
        self.raw("</h1>\n<p class=\"digest\"><code>");
        self.text(&report.image.digest);
        self.raw("</code></p>\n</div>\n");
        match &report.decision {
            Some(d) if d.allow => self.raw("<p class=\"verdict allow\" id=\"verdict\">ALLOW</p>\n"),
            Some(_) => self.raw("<p class=\"verdict deny\" id=\"verdict\">DENY</p>\n"),
            None => self.raw("<p class=\"verdict none\" id=\"verdict\">no decision</p>\n"),
        }
        self.raw("</header>\n<nav aria-label=\"Sections\"><ul>");
        for (id, label) in [
            ("image", "Image"),
            ("decision", "Decision"),
            ("counts", "Counts"),
            ("findings", "Findings"),
            ("paths", "Entry paths"),
            ("evidence", "Evidence"),
            ("waivers", "Waivers"),
            ("packages", "Packages"),
            ("database", "DB"),
        ] {
            let _ = write!(self.out, "<li><a href=\"#{id}\">{label}</a></li>");
        }
        self.raw("</ul></nav>\n");
    }

    fn dl_row(&mut self, term: &str, value: &str, code: bool) {
        self.raw("<dt>");
        self.raw(term);
        self.raw("</dt><dd>");
        if code {
            self.raw("<code>");
        }
        self.text(value);
        if code {
            self.raw("</code>");
        }
        self.raw("</dd>\n");
    }

    fn image(&mut self, report: &Report) {
        let i = &report.image;
        self.raw("<section id=\"image\" aria-labelledby=\"h-image\">\n<h2 id=\"h-image\">Image</h2>\n<dl class=\"kv\">\n");
        self.dl_row("Name", &i.name, false);
        self.dl_row("Digest", &i.digest, true);
        self.dl_row(
            "Platform",
            i.platform.as_deref().unwrap_or("not recorded"),
            false,
        );
        if let Some(os) = &i.os {
            self.dl_row("Operating system", os, false);
        }
        self.raw("<dt>Packages</dt><dd>");
        self.count("packages", report.packages);
        self.raw("</dd>\n<dt>Layers</dt><dd>");
        if i.layers.is_empty() {
            self.raw("not recorded");
        } else {
            self.raw("<ol class=\"layers\">");
            for l in &i.layers {
                self.raw("<li><code>");
                self.text(l);
                self.raw("</code></li>");
            }
            self.raw("</ol>");
        }
        self.raw("</dd>\n</dl>\n</section>\n");
    }

    fn decision(&mut self, report: &Report) {
        self.raw("<section id=\"decision\" aria-labelledby=\"h-decision\">\n<h2 id=\"h-decision\">Decision</h2>\n");
        let Some(d) = &report.decision else {
            self.raw("<p>The run recorded no decision.</p>\n</section>\n");
            return;
        };
        let _ = write!(
            self.out,
            "<p class=\"decision {}\"><strong>{}</strong>: ",
            if d.allow { "allow" } else { "deny" },
            if d.allow { "ALLOW" } else { "DENY" }
        );
        self.raw(if d.allow {
            "the policy allows this image to ship.</p>\n"
        } else {
            "the policy denies this image.</p>\n"
        });
        self.raw("<h3>Violations (");
        self.count("violations", d.violations.len() as u64);
        self.raw(")</h3>\n");
        self.list(&d.violations, "violations", "none");
        self.raw("<h3>Warnings (");
        self.count("warnings", d.warnings.len() as u64);
        self.raw(")</h3>\n");
        self.list(&d.warnings, "warnings", "none");
        self.raw("<dl class=\"kv\">\n");
        self.dl_row("Policy digest", &d.policy_digest, true);
        self.dl_row(
            "Policy revision",
            d.policy_revision.as_deref().unwrap_or("not recorded"),
            false,
        );
        if let Some(t) = d.decided_at {
            self.dl_row("Decided at", &t.to_rfc3339(), false);
        }
        if let Some(a) = &d.actor {
            self.dl_row("Actor", a, false);
        }
        if d.signed_by.is_empty() {
            self.dl_row("Signed by", "no signed decision in the store", false);
        } else {
            self.dl_row("Signed by (key id)", &d.signed_by.join(", "), true);
        }
        match &d.receipt {
            Some(r) => {
                let text = format!(
                    "entry {} of a tree of {} in {} (root {})",
                    r.log_index,
                    r.tree_size,
                    r.origin.as_deref().unwrap_or("an unnamed log"),
                    r.root_hash
                );
                self.dl_row("Log receipt", &text, false);
            }
            None => self.dl_row("Log receipt", "not in the store", false),
        }
        self.raw("</dl>\n</section>\n");
    }

    fn list(&mut self, items: &[String], class: &str, empty: &str) {
        if items.is_empty() {
            let _ = writeln!(self.out, "<p class=\"{class} empty\">{empty}</p>");
            return;
        }
        let _ = write!(self.out, "<ul class=\"{class}\">");
        for i in items {
            self.raw("<li>");
            self.text(i);
            self.raw("</li>");
        }
        self.raw("</ul>\n");
    }

    fn counts(&mut self, report: &Report) {
        let c = &report.counts;
        self.raw("<section id=\"counts\" aria-labelledby=\"h-counts\">\n<h2 id=\"h-counts\">Findings by VEX status</h2>\n<ul class=\"cards\">\n<li class=\"card total\">");
        self.count("findings", c.total);
        self.raw("<span class=\"l\">findings</span></li>\n");
        for s in Status::ALL {
            let _ = write!(self.out, "<li class=\"card {}\">", status_class(s));
            self.count(&format!("status:{s}"), c.status(s));
            let _ = writeln!(self.out, "<span class=\"l\">{s}</span></li>");
        }
        self.raw("</ul>\n");
        if c.status(Status::UnderInvestigation) > 0 {
            let _ = writeln!(
                self.out,
                "<p class=\"note ui\">{} finding(s) are <strong>under_investigation</strong>: no VEX statement has assessed them yet. They are counted on their own, never as “other”.</p>",
                c.status(Status::UnderInvestigation)
            );
        }
        self.raw("<div class=\"scroll\">\n<table class=\"matrix\" id=\"matrix\">\n<caption>Severity × VEX status</caption>\n<thead><tr><th scope=\"col\">Severity</th>");
        for s in Status::ALL {
            let _ = write!(self.out, "<th scope=\"col\">{s}</th>");
        }
        self.raw("<th scope=\"col\">total</th></tr></thead>\n<tbody>\n");
        for sev in Severity::ALL {
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\" class=\"sev sev-{sev}\">{sev}</th>"
            );
            for s in Status::ALL {
                let n = c.cell(sev, s);
                let _ = write!(
                    self.out,
                    "<td class=\"{}\">",
                    if n == 0 { "zero" } else { status_class(s) }
                );
                self.count(&format!("matrix:{sev}:{s}"), n);
                self.raw("</td>");
            }
            self.raw("<td>");
            self.count(&format!("severity:{sev}"), c.severity(sev));
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody>\n<tfoot><tr><th scope=\"row\">total</th>");
        for s in Status::ALL {
            let _ = write!(self.out, "<td>{}</td>", c.status(s));
        }
        let _ = writeln!(
            self.out,
            "<td>{}</td></tr></tfoot>\n</table>\n</div>\n</section>",
            c.total
        );
    }

    fn diff(&mut self, report: &Report, diff: &Diff) {
        self.raw("<section id=\"diff\" aria-labelledby=\"h-diff\">\n<h2 id=\"h-diff\">Changes since the base run</h2>\n<p>Base: ");
        self.text(&diff.base_image.name);
        self.raw(" <code>");
        self.text(&short_digest(&diff.base_image.digest));
        self.raw("</code>, DB of ");
        self.text(&diff.base_database.date);
        self.raw(" → this run: ");
        self.text(&report.image.name);
        self.raw(" <code>");
        self.text(&short_digest(&report.image.digest));
        self.raw("</code>, DB of ");
        self.text(&report.database.date);
        self.raw(".</p>\n<ul class=\"cards\">\n<li class=\"card st-affected\">");
        self.count("diff:new", diff.new.len() as u64);
        self.raw("<span class=\"l\">new</span></li>\n<li class=\"card st-fixed\">");
        self.count("diff:fixed", diff.fixed.len() as u64);
        self.raw("<span class=\"l\">fixed</span></li>\n<li class=\"card st-ui\">");
        self.count("diff:changed", diff.changed.len() as u64);
        self.raw("<span class=\"l\">status changed</span></li>\n<li class=\"card\">");
        self.count("diff:unchanged", diff.unchanged);
        self.raw("<span class=\"l\">unchanged</span></li>\n</ul>\n");
        for (title, id, list) in [
            ("New findings", "diff-new", &diff.new),
            (
                "Fixed findings (no longer reported)",
                "diff-fixed",
                &diff.fixed,
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(
                self.out,
                "<h3>{title}</h3>\n<div class=\"scroll\"><table class=\"small\" id=\"{id}\"><thead><tr><th scope=\"col\">ID</th><th scope=\"col\">Package</th><th scope=\"col\">Installed</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th></tr></thead><tbody>"
            );
            for f in list {
                self.raw("<tr><td>");
                self.text(&f.id);
                self.raw("</td><td>");
                self.text(&f.package);
                self.raw("</td><td>");
                self.text(&f.installed);
                let _ = writeln!(
                    self.out,
                    "</td><td class=\"sev sev-{}\">{}</td><td><span class=\"badge {}\">{}</span></td></tr>",
                    f.severity,
                    f.severity,
                    status_class(f.status),
                    f.status
                );
            }
            self.raw("</tbody></table></div>\n");
        }
        if !diff.changed.is_empty() {
            self.raw("<h3>Status changed</h3>\n<div class=\"scroll\"><table class=\"small\" id=\"diff-changed\"><thead><tr><th scope=\"col\">ID</th><th scope=\"col\">Package</th><th scope=\"col\">Was</th><th scope=\"col\">Now</th></tr></thead><tbody>");
            for c in &diff.changed {
                self.raw("<tr><td>");
                self.text(&c.finding.id);
                self.raw("</td><td>");
                self.text(&c.finding.package);
                self.raw(" ");
                self.text(&c.finding.installed);
                let _ = writeln!(
                    self.out,
                    "</td><td><span class=\"badge {}\">{}</span></td><td><span class=\"badge {}\">{}</span></td></tr>",
                    status_class(c.from),
                    c.from,
                    status_class(c.finding.status),
                    c.finding.status
                );
            }
            self.raw("</tbody></table></div>\n");
        }
        self.raw("</section>\n");
    }

    fn findings(&mut self, report: &Report, page_size: u32) {
        self.raw("<section id=\"findings\" aria-labelledby=\"h-findings\">\n<h2 id=\"h-findings\">Findings (");
        self.count("table:rows", report.findings.len() as u64);
        self.raw(")</h2>\n");
        // The controls only work with the script, which shows them.
        self.raw("<form class=\"controls\" id=\"controls\" hidden role=\"search\" aria-label=\"Filter findings\">\n<label>Search <input type=\"search\" id=\"f-q\" autocomplete=\"off\" placeholder=\"id, package, text\"></label>\n<label>Status <select id=\"f-status\"><option value=\"\">all</option>");
        for s in Status::ALL {
            let _ = write!(self.out, "<option value=\"{s}\">{s}</option>");
        }
        self.raw("</select></label>\n<label>Severity <select id=\"f-sev\"><option value=\"\">all</option>");
        for s in Severity::ALL {
            let _ = write!(self.out, "<option value=\"{s}\">{s}</option>");
        }
        self.raw("</select></label>\n<label>Reachability <select id=\"f-reach\"><option value=\"\">all</option><option value=\"reachable\">reachable</option><option value=\"unreachable\">unreachable</option><option value=\"unknown\">unknown</option></select></label>\n<p class=\"pager\"><button type=\"button\" id=\"f-prev\">Previous</button> <output id=\"f-info\" aria-live=\"polite\"></output> <button type=\"button\" id=\"f-next\">Next</button></p>\n</form>\n");
        if report.findings.is_empty() {
            self.raw("<p>No findings.</p>\n</section>\n");
            return;
        }
        let _ = write!(
            self.out,
            "<div class=\"scroll\">\n<table id=\"findings-table\" data-page-size=\"{page_size}\">\n<thead><tr>"
        );
        for (key, label) in [
            ("id", "ID"),
            ("package", "Package"),
            ("installed", "Installed"),
            ("fixed", "Fixed in"),
            ("severity", "Severity"),
            ("status", "Status"),
            ("reachability", "Reachability"),
        ] {
            let _ = write!(
                self.out,
                "<th scope=\"col\" data-key=\"{key}\" aria-sort=\"none\">{label}</th>"
            );
        }
        self.raw("</tr></thead>\n<tbody>\n");
        for f in &report.findings {
            self.finding_row(f);
        }
        self.raw("</tbody>\n</table>\n</div>\n</section>\n");
    }

    fn finding_row(&mut self, f: &Finding) {
        let _ = write!(
            self.out,
            "<tr data-status=\"{}\" data-severity=\"{}\" data-reach=\"{}\"><td data-label=\"ID\" class=\"id\"><strong>",
            f.status, f.severity, f.reachability
        );
        self.text(&f.id);
        self.raw("</strong>");
        if !f.aliases.is_empty() {
            self.raw("<span class=\"aka\">");
            self.text(&f.aliases.join(", "));
            self.raw("</span>");
        }
        if let Some(s) = &f.summary {
            self.raw("<span class=\"sum\">");
            self.text(s);
            self.raw("</span>");
        }
        self.raw("</td><td data-label=\"Package\"><strong>");
        self.text(&f.package);
        self.raw("</strong><span class=\"aka\">");
        self.text(&f.ecosystem);
        self.raw("</span></td><td data-label=\"Installed\">");
        self.text(&f.installed);
        self.raw("</td><td data-label=\"Fixed in\">");
        if f.fixed.is_empty() {
            self.raw("<span class=\"muted\">no fix</span>");
        } else {
            self.text(&f.fixed.join(", "));
        }
        let _ = write!(
            self.out,
            "</td><td data-label=\"Severity\" data-s=\"{}{}\"><span class=\"sev sev-{}\">{}</span>",
            f.severity.rank(),
            f.score
                .map_or(String::new(), |s| format!("{:05.1}", s.clamp(0.0, 999.0))),
            f.severity,
            f.severity
        );
        if let Some(score) = f.score {
            let _ = write!(self.out, " {score:.1}");
        }
        if let Some(src) = &f.severity_source {
            self.raw("<span class=\"aka\">");
            self.text(src);
            self.raw("</span>");
        }
        let _ = write!(
            self.out,
            "</td><td data-label=\"Status\" data-s=\"{}\"><span class=\"badge {}\">{}</span>",
            f.status.index(),
            status_class(f.status),
            f.status
        );
        if let Some(j) = &f.justification {
            self.raw("<span class=\"aka\">");
            self.text(j);
            self.raw("</span>");
        }
        if let Some(s) = &f.statement {
            self.raw("<span class=\"sum\">");
            self.text(s);
            self.raw("</span>");
        }
        let _ = writeln!(
            self.out,
            "</td><td data-label=\"Reachability\"><span class=\"reach r-{}\">{}</span></td></tr>",
            f.reachability, f.reachability
        );
    }

    fn paths(&mut self, report: &Report) {
        self.raw("<section id=\"paths\" aria-labelledby=\"h-paths\">\n<h2 id=\"h-paths\">Entry-trace paths of reachable findings</h2>\n");
        let reachable = report
            .findings
            .iter()
            .filter(|f| f.reachability == Reachability::Reachable)
            .count();
        let _ = writeln!(
            self.out,
            "<p>{} reachable finding(s), {} distinct path(s) from the image's entrypoint to the package.</p>",
            reachable,
            report.paths.len()
        );
        for (i, path) in report.paths.iter().enumerate() {
            let _ = write!(
                self.out,
                "<figure class=\"path\" id=\"path-{i}\"><figcaption>"
            );
            self.text(&path.package);
            self.raw(": ");
            self.text(&path.findings.join(", "));
            self.raw("</figcaption>\n<ol class=\"chain\">");
            let last = path.steps.len();
            for (n, step) in path.steps.iter().enumerate() {
                let class = if n == 0 {
                    "entry"
                } else if n + 1 == last {
                    "import"
                } else {
                    "file"
                };
                let _ = write!(self.out, "<li class=\"{class}\">");
                self.text(step);
                self.raw("</li>");
            }
            self.raw("<li class=\"pkg\">");
            self.text(&path.package);
            self.raw("</li></ol></figure>\n");
        }
        self.raw("</section>\n");
    }

    fn evidence(&mut self, report: &Report) {
        self.raw("<section id=\"evidence\" aria-labelledby=\"h-evidence\">\n<h2 id=\"h-evidence\">Evidence chain</h2>\n<p>SBOM → attestation → transparency receipt → scan → VEX → decision. Each artifact is checked against its digest; envelopes and receipts against the public key when one is given.</p>\n<ol class=\"evidence\">\n");
        for link in &report.evidence {
            let class = match link.verification {
                Verification::Verified(_) => "ok",
                Verification::Partial(_) => "partial",
                Verification::Failed(_) => "failed",
                Verification::Missing(_) => "missing",
            };
            let _ = write!(
                self.out,
                "<li class=\"ev {class}\"><span class=\"state\">{}</span> <strong>{}</strong> <span class=\"kind\">",
                link.verification.label(),
                link.step
            );
            self.text(&link.kind);
            self.raw("</span><br><code>");
            self.text(link.digest.as_deref().unwrap_or("no digest"));
            self.raw("</code><br><span class=\"detail\">");
            self.text(link.verification.detail());
            self.raw("</span></li>\n");
        }
        self.raw("</ol>\n</section>\n");
    }

    fn waivers(&mut self, report: &Report, now: Option<Timestamp>, given: bool, within: u32) {
        self.raw("<section id=\"waivers\" aria-labelledby=\"h-waivers\">\n<h2 id=\"h-waivers\">Waivers (");
        self.count("waivers", report.waivers.len() as u64);
        self.raw(")</h2>\n");
        if report.waivers.is_empty() {
            self.raw("<p>No waivers.</p>\n</section>\n");
            return;
        }
        match now {
            Some(t) => {
                let _ = writeln!(
                    self.out,
                    "<p>Expiry as of {} ({}); expiring within {within} days is highlighted.</p>",
                    esc(&t.to_rfc3339()),
                    if given { "given" } else { "the decision time" }
                );
            }
            None => self.raw("<p>No reference time: expiry is not assessed.</p>\n"),
        }
        self.raw("<div class=\"scroll\"><table class=\"small\" id=\"waivers-table\"><thead><tr><th scope=\"col\">Vulnerability</th><th scope=\"col\">Reason</th><th scope=\"col\">Expires</th><th scope=\"col\">State</th></tr></thead><tbody>\n");
        let mut soon = 0u64;
        for w in &report.waivers {
            let (class, state) = match now {
                Some(t) => {
                    let days = days_between(t, w.expires);
                    if w.expires <= t {
                        ("expired", format!("expired {} day(s) ago", -days))
                    } else if days < i64::from(within) {
                        soon += 1;
                        ("soon", format!("expires in {days} day(s)"))
                    } else {
                        ("ok", format!("{days} day(s) left"))
                    }
                }
                None => ("ok", "not assessed".to_owned()),
            };
            let _ = write!(self.out, "<tr class=\"w-{class}\"><td>");
            self.text(&w.vuln_id);
            self.raw("</td><td>");
            self.text(&w.reason);
            self.raw("</td><td>");
            self.text(&w.expires.to_rfc3339());
            self.raw("</td><td>");
            self.text(&state);
            if !w.valid {
                self.raw(" (invalid at decision time)");
            }
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody></table></div>\n<p>Expiring soon: ");
        self.count("waivers:soon", soon);
        self.raw("</p>\n</section>\n");
    }

    fn bars(&mut self, id: &str, title: &str, bars: &[Bar], digest_labels: bool) {
        let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
        let row = 26u64;
        let height = row * bars.len() as u64 + 8;
        let _ = write!(
            self.out,
            "<figure class=\"chart\"><figcaption id=\"{id}-t\">{title}</figcaption><svg id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-t\" viewBox=\"0 0 640 {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        for (i, b) in bars.iter().enumerate() {
            let y = row * i as u64 + 4;
            let width = 380 * b.count / max;
            let label = if digest_labels {
                short_digest(&b.label)
            } else {
                b.label.chars().take(28).collect()
            };
            self.raw("<g><title>");
            self.text(&b.label);
            let _ = write!(
                self.out,
                ": {}</title><text x=\"0\" y=\"{}\" class=\"lbl\">",
                b.count,
                y + 16
            );
            self.text(&label);
            let _ = write!(
                self.out,
                "</text><rect x=\"200\" y=\"{y}\" width=\"{width}\" height=\"20\" rx=\"3\" class=\"bar\"></rect><text x=\"{}\" y=\"{}\" class=\"val\">{}</text></g>",
                206 + width,
                y + 16,
                b.count
            );
        }
        self.raw("</svg></figure>\n");
    }

    fn packages(&mut self, report: &Report) {
        self.raw("<section id=\"packages\" aria-labelledby=\"h-packages\">\n<h2 id=\"h-packages\">Packages (");
        self.count("packages:total", report.packages);
        self.raw(")</h2>\n");
        if report.by_ecosystem.is_empty() && report.by_layer.is_empty() {
            self.raw("<p>No SBOM breakdown.</p>\n</section>\n");
            return;
        }
        self.raw("<div class=\"charts\">\n");
        self.bars(
            "chart-eco",
            "By ecosystem (purl type)",
            &report.by_ecosystem,
            false,
        );
        self.bars(
            "chart-layer",
            "By layer (bottom first)",
            &report.by_layer,
            true,
        );
        self.raw("</div>\n</section>\n");
    }

    fn database(&mut self, report: &Report, now: Option<Timestamp>, given: bool) {
        let db = &report.database;
        self.raw("<section id=\"database\" aria-labelledby=\"h-db\">\n<h2 id=\"h-db\">Vulnerability DB snapshot</h2>\n<dl class=\"kv\">\n");
        self.dl_row("Date", &db.date, false);
        let age = match (Timestamp::parse_rfc3339(&db.date), now) {
            (Ok(date), Some(t)) => format!(
                "{} day(s) {}",
                days_between(date, t),
                if given {
                    "as of the given time"
                } else {
                    "at decision time"
                }
            ),
            (Err(_), _) => "unknown (the date does not parse)".to_owned(),
            (_, None) => "unknown (no reference time)".to_owned(),
        };
        self.dl_row("Age", &age, false);
        self.dl_row("Digest", &db.digest, true);
        self.raw("<dt>Advisory records</dt><dd>");
        self.count("db:records", db.records);
        self.raw("</dd>\n</dl>\n</section>\n");
    }

    fn problems(&mut self, report: &Report) {
        if report.problems.is_empty() {
            return;
        }
        self.raw("<section id=\"problems\" aria-labelledby=\"h-problems\">\n<h2 id=\"h-problems\">Inconsistencies noticed</h2>\n");
        self.list(&report.problems, "problems", "");
        self.raw("</section>\n");
    }
}
