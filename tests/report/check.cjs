// Renders a `stella report` page in headless Debian Chromium (driven by playwright-core, no
// browser download) and checks it as a person would see it:
// - every count on the page (each element with data-count) equals the count computed here from
//   the run's own JSON documents (findings JSON, gate input, SBOM, decision record);
// - the findings table is paged by the script (and complete without it), filters and sorts;
// - an entry-trace chain is drawn per distinct (chain, package) of the reachable findings and the
//   evidence chain is all verified (the run's key was given);
// - no console error, no page error, no request other than the page itself;
// - screenshots at desktop (1280 px) and phone (390 px) widths, and a PDF print, non-trivial.
// Usage: node check.cjs PAGE.html RUN-REPORT.json STORE-DIR OUT-DIR [--expect-verified]
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const [pagePath, runPath, store, outDir] = process.argv.slice(2, 6);
const expectVerified = process.argv.includes("--expect-verified");
const failures = [];
const fail = (msg) => failures.push(msg);

const run = JSON.parse(fs.readFileSync(runPath, "utf8"));
const blob = (kind) => {
  const a = run.artifacts.find((x) => x.kind === kind);
  if (!a) return null;
  return JSON.parse(fs.readFileSync(path.join(store, "blobs", "sha256", a.digest.slice(7)), "utf8"));
};
const findings = blob("findings");
const gate = blob("gate-input");
const decision = blob("decision-record");
const sbom = blob("sbom-cyclonedx");

// The expected counts, from the documents.
const statuses = ["affected", "under_investigation", "fixed", "not_affected"];
const levels = ["critical", "high", "medium", "low", "unknown"];
const level = (l) => (l === "none" ? "unknown" : l);
const applied = new Map(gate.findings.map((f) => [f.id + "\u0000" + f.package.purl, f.exploitability]));
const expected = new Map();
const add = (k, n) => expected.set(k, (expected.get(k) || 0) + n);
expected.set("findings", findings.findings.length);
expected.set("table:rows", findings.findings.length);
for (const s of statuses) expected.set("status:" + s, 0);
for (const l of levels) {
  expected.set("severity:" + l, 0);
  for (const s of statuses) expected.set(`matrix:${l}:${s}`, 0);
}
for (const f of findings.findings) {
  const s = applied.get(f.id + "\u0000" + f.package.purl) || f.status;
  const l = level(f.severity.level);
  add("status:" + s, 1);
  add("severity:" + l, 1);
  add(`matrix:${l}:${s}`, 1);
}
// The findings JSON's own summary must agree with what we counted.
for (const [l, n] of Object.entries(findings.summary.by_severity)) {
  if (expected.get("severity:" + level(l)) !== n) fail(`findings summary ${l}=${n} disagrees with the findings list`);
}
for (const s of statuses) {
  if (run.by_vex_status && run.by_vex_status[s] !== expected.get("status:" + s)) fail(`run report ${s} disagrees with the gate input`);
}
const packages = sbom.components.filter((c) => c.type !== "operating-system").length;
expected.set("packages", packages);
expected.set("packages:total", packages);
expected.set("violations", decision.result.violations.length);
expected.set("warnings", decision.result.warnings.length);
expected.set("waivers", gate.waivers.length);
expected.set("db:records", findings.db.records);
const chains = new Set(
  findings.findings
    .filter((f) => f.reachability === "reachable" && (f.trace || []).length > 0)
    .map((f) => JSON.stringify([f.trace, f.package.name, f.package.version])),
);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const url = "file://" + path.resolve(pagePath);
  const watch = (page, label) => {
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") fail(`${label}: console ${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => fail(`${label}: page error: ${e.message}`));
    page.on("request", (r) => { if (r.url() !== url) fail(`${label}: network request ${r.url()}`); });
  };
  try {
    // Desktop, with the script.
    const desk = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(desk, "desktop");
    await desk.goto(url, { waitUntil: "load" });
    const counts = await desk.$$eval("[data-count]", (els) => els.map((e) => [e.getAttribute("data-count"), e.textContent]));
    const seen = new Set();
    for (const [key, text] of counts) {
      seen.add(key);
      if (!/^\d+$/.test(text)) { fail(`count ${key} is not a number: ${text}`); continue; }
      if (!expected.has(key)) {
        // waivers:soon and diff:* have no JSON counterpart in a single run without waivers.
        if (key === "waivers:soon" && gate.waivers.length === 0 && text === "0") continue;
        fail(`count ${key}=${text} has no expected value`);
        continue;
      }
      if (Number(text) !== expected.get(key)) fail(`count ${key}: page ${text}, JSON ${expected.get(key)}`);
    }
    for (const key of expected.keys()) if (!seen.has(key)) fail(`count ${key} is not on the page`);
    const total = findings.findings.length;
    const pageSize = Number(await desk.getAttribute("#findings-table", "data-page-size"));
    const shown = await desk.$$eval("#findings-table tbody tr", (r) => r.length);
    if (shown !== Math.min(total, pageSize)) fail(`table shows ${shown} rows, expected ${Math.min(total, pageSize)}`);
    if (await desk.isHidden("#controls")) fail("the filter controls are hidden with the script running");
    // Filter by under_investigation: the matching count equals the status count.
    await desk.selectOption("#f-status", "under_investigation");
    const matching = Number(await desk.getAttribute("#f-info", "data-matching"));
    if (matching !== expected.get("status:under_investigation")) fail(`filter under_investigation matches ${matching}`);
    const wrong = await desk.$$eval("#findings-table tbody tr", (r) => r.filter((x) => x.getAttribute("data-status") !== "under_investigation").length);
    if (wrong) fail(`${wrong} rows of another status survive the filter`);
    await desk.selectOption("#f-status", "");
    // Sort by severity, descending on the second click: the first row is the most severe.
    await desk.click("#findings-table th[data-key=severity]");
    await desk.click("#findings-table th[data-key=severity]");
    const first = await desk.getAttribute("#findings-table tbody tr:first-child", "data-severity");
    const worst = levels.find((l) => expected.get("severity:" + l) > 0);
    if (first !== worst) fail(`after sorting, the first row is ${first}, expected ${worst}`);
    // Entry-trace chains and the evidence chain.
    const paths = await desk.$$eval("#paths figure.path", (f) => f.length);
    if (paths !== chains.size) fail(`${paths} entry-trace chains drawn, ${chains.size} distinct in the findings`);
    const ev = await desk.$$eval("#evidence li.ev", (l) => l.map((x) => [x.className, x.querySelector(".kind").textContent]));
    if (ev.length < 6) fail(`evidence chain has ${ev.length} links`);
    // Every artifact the run lists verified; one it does not list (no OpenVEX when no statement
    // was trusted) shows as missing.
    const listed = new Set(run.artifacts.map((a) => a.kind));
    for (const [cls, kind] of ev) {
      const want = listed.has(kind) ? "ev ok" : "ev missing";
      if (expectVerified && cls !== want) fail(`evidence ${kind}: ${cls}, expected ${want}`);
    }
    const uiCard = await desk.$$eval(".cards .st-ui .l", (l) => l.map((x) => x.textContent));
    if (!uiCard.includes("under_investigation")) fail("under_investigation has no card of its own");
    const verdict = (await desk.textContent("#verdict")).trim();
    if (verdict !== (decision.result.allow ? "ALLOW" : "DENY")) fail(`verdict ${verdict}`);
    await desk.screenshot({ path: path.join(outDir, "desktop.png"), fullPage: true });
    await desk.pdf({ path: path.join(outDir, "print.pdf"), format: "A4" });

    // Phone width.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
    watch(phone, "phone");
    await phone.goto(url, { waitUntil: "load" });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) fail(`the phone page scrolls sideways by ${overflow}px`);
    await phone.screenshot({ path: path.join(outDir, "phone.png"), fullPage: true });

    // Without the script: every row is there, the controls stay hidden.
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const nojs = await ctx.newPage();
    watch(nojs, "no-script");
    await nojs.goto(url, { waitUntil: "load" });
    const all = await nojs.$$eval("#findings-table tbody tr", (r) => r.length);
    if (all !== total) fail(`without the script the table has ${all} rows, expected ${total}`);
    if (!(await nojs.isHidden("#controls"))) fail("the controls show without the script");
  } finally {
    await browser.close();
  }
  // Non-trivial images: PNG of the right width, not tiny.
  for (const [name, width] of [["desktop.png", 1280], ["phone.png", 780]]) {
    const png = fs.readFileSync(path.join(outDir, name));
    const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
    if (png.toString("ascii", 1, 4) !== "PNG") fail(`${name} is not a PNG`);
    if (w !== width) fail(`${name} is ${w} px wide, expected ${width}`);
    if (h < 800 || png.length < 20000) fail(`${name} looks trivial (${w}x${h}, ${png.length} bytes)`);
    console.log(`  ${name}: ${w}x${h}, ${png.length} bytes`);
  }
  const pdf = fs.statSync(path.join(outDir, "print.pdf")).size;
  if (pdf < 10000) fail(`print.pdf is only ${pdf} bytes`);
  console.log(`  print.pdf: ${pdf} bytes; ${expected.size} counts checked against the JSON`);
  if (failures.length) {
    for (const f of failures) console.error("FAIL " + f);
    process.exit(1);
  }
})().catch((e) => { console.error("FAIL " + (e.stack || e)); process.exit(1); });
