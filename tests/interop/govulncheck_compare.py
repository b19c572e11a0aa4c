#!/usr/bin/env python3
"""Compares Stella's symbol-level evidence with govulncheck's binary-mode results.

Usage:
  govulncheck_compare.py vulndb OSV_DIR OUT_DIR
      writes govulncheck's file database layout (index.json, <module>.json, ID/<id>.json,
      ID/index.json: the layout of the Debian govulncheck 0.0~git20230201) from OSV records.
  govulncheck_compare.py compare RECORDS_DIR STELLA_FINDINGS.json REPORT.json PATH=GOVULNCHECK.json...
      for every binary (PATH: its path in the scanned image) and every record that names
      vulnerable imports, checks that Stella's status (present/absent) agrees with govulncheck's
      result GOVULNCHECK.json (the record reported with symbols / not reported). Exits 1 on any
      disagreement, printing why.
  govulncheck_compare.py vex VEX.json STELLA_FINDINGS.json
      checks the VEX generated with the symbols rule: every `absent` finding is not_affected /
      vulnerable_code_not_present with a machine-derived impact statement, no other is.
  govulncheck_compare.py sarif SARIF.json
      checks every result whose symbols are present ends a code flow at a found symbol.
"""
import json
import os
import sys
from collections import defaultdict


def vulndb(osv_dir, out):
    by_module = defaultdict(dict)
    index = {}
    ids = []
    os.makedirs(os.path.join(out, "ID"), exist_ok=True)
    for name in sorted(os.listdir(osv_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(osv_dir, name), encoding="utf-8") as f:
            rec = json.load(f)
        ids.append(rec["id"])
        with open(os.path.join(out, "ID", rec["id"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(rec, f)
        for a in rec.get("affected", []):
            mod = a["package"]["name"]
            by_module[mod][rec["id"]] = rec
            index[mod] = max(index.get(mod, ""), rec["modified"])
    for mod, recs in by_module.items():
        path = os.path.join(out, mod + ".json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(list(recs.values()), f)
    with open(os.path.join(out, "index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f)
    with open(os.path.join(out, "ID", "index.json"), "w", encoding="utf-8") as f:
        json.dump(ids, f)


def lists_symbols(rec):
    """Whether the record names vulnerable imports: symbols, or whole packages (an import
    without symbols), which both tools check as "any function of the package is linked"."""
    return any(
        (a.get("ecosystem_specific") or {}).get("imports") for a in rec.get("affected", [])
    )


def govulncheck_symbols(path):
    """record id -> set of 'pkg.Symbol' govulncheck reports for a binary."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = defaultdict(set)
    for v in doc.get("Vulns") or []:
        rid = v["OSV"]["id"]
        for m in v.get("Modules") or []:
            for p in m.get("Packages") or []:
                for cs in p.get("CallStacks") or []:
                    out[rid].add(p["Path"] + "." + cs["Symbol"])
    return out


def compare(records_dir, findings_path, report_path, pairs):
    records = {}
    for name in os.listdir(records_dir):
        if name.endswith(".json"):
            with open(os.path.join(records_dir, name), encoding="utf-8") as f:
                rec = json.load(f)
            records[rec["id"]] = rec
    with open(findings_path, encoding="utf-8") as f:
        findings = json.load(f)["findings"]
    # (binary path, record id) -> Stella's symbol evidence
    stella = {}
    for fnd in findings:
        for loc in fnd["evidence"]["locations"]:
            for rid in fnd["records"]:
                stella[(loc["path"], rid)] = fnd.get("symbols")
    failures = []
    report = {}
    for pair in pairs:
        path, gv_path = pair.split("=", 1)
        gv = govulncheck_symbols(gv_path)
        for binary in [path]:
            counts = defaultdict(int)
            for rid, rec in sorted(records.items()):
                if not lists_symbols(rec):
                    continue
                ev = stella.get((path, rid))
                theirs = gv.get(rid, set())
                if ev is None:
                    if theirs:
                        failures.append(
                            f"{binary} {rid}: govulncheck reports {sorted(theirs)}, Stella has no finding"
                        )
                    continue
                status = ev["status"]
                counts[status] += 1
                want = "present" if theirs else "absent"
                if status != want:
                    failures.append(
                        f"{binary} {rid}: Stella {status} {ev.get('found') or ev.get('reason')}, govulncheck {want} {sorted(theirs)}"
                    )
                    continue
                ours = set(ev.get("found") or [])
                named = all(
                    i.get("symbols")
                    for a in rec.get("affected", [])
                    for i in (a.get("ecosystem_specific") or {}).get("imports", [])
                )
                if status == "present" and named and ours != theirs:
                    # Same verdict; the symbol lists differ (reported, not a failure: govulncheck
                    # lists each symbol it found, Stella the record's symbols it found).
                    print(
                        f"note {binary} {rid}: symbols differ: only Stella {sorted(ours - theirs)}, only govulncheck {sorted(theirs - ours)}"
                    )
            report[binary] = dict(counts)
            print(f"{binary}: {dict(counts)} (records listing symbols, matched by version)")
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump({"binaries": report, "failures": failures}, f, indent=2, sort_keys=True)
    for line in failures:
        print("DISAGREE " + line)
    return 1 if failures else 0


def vex(vex_path, findings_path):
    with open(vex_path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(findings_path, encoding="utf-8") as f:
        findings = json.load(f)["findings"]
    # One statement per (vulnerability, purl): not_affected only when every binary with that
    # package version lacks the symbols.
    statuses = defaultdict(set)
    for f in findings:
        statuses[(f["id"], f["package"]["purl"])].add((f.get("symbols") or {}).get("status"))
    absent = {k for k, v in statuses.items() if v == {"absent"}}
    bad = 0
    seen_absent = 0
    for st in doc["statements"]:
        purls = [s.get("@id") for p in st["products"] for s in p.get("subcomponents", [])] + [
            p.get("@id") for p in st["products"]
        ]
        key_absent = any((st["vulnerability"]["name"], p) in absent for p in purls)
        if st["status"] == "not_affected":
            ok = (
                key_absent
                and st.get("justification") == "vulnerable_code_not_present"
                and st.get("impact_statement", "").startswith("machine-derived:")
            )
            seen_absent += 1
        else:
            ok = not key_absent
        if not ok:
            bad += 1
            print("VEX WRONG", json.dumps(st)[:300])
    print(f"vex: {seen_absent} not_affected statements, {bad} wrong")
    return 1 if bad or not seen_absent else 0


def sarif(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    present = 0
    bad = 0
    for r in doc["runs"][0]["results"]:
        sym = r["properties"].get("symbols")
        if not sym or sym["status"] != "present":
            continue
        present += 1
        flows = r.get("codeFlows") or []
        lasts = [
            fl["threadFlows"][0]["locations"][-1]["location"]["logicalLocations"][0]["fullyQualifiedName"]
            for fl in flows
        ]
        if sorted(lasts) != sorted(sym["found"]):
            bad += 1
            print("SARIF WRONG", r["ruleId"], lasts, sym["found"])
    print(f"sarif: {present} results with present symbols, {bad} wrong")
    return 1 if bad or not present else 0


def main(argv):
    if argv[1] == "vulndb":
        vulndb(argv[2], argv[3])
        return 0
    if argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4], argv[5:])
    if argv[1] == "vex":
        return vex(argv[2], argv[3])
    if argv[1] == "sarif":
        return sarif(argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
