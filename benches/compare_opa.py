"""Time OPA's Go engine (opa-golib-python-bindings) on the inputs benches/policy.rs wrote, and
print the ratio to stella-policy's criterion estimates from the same run.

Used by benches/compare-opa.sh; not run in CI. OPA accepts only v1 syntax, so it gets a v1
translation of the seed's two policies (same rules, `if` / `contains` / `import rego.v1` added).
"""

import json
import pathlib
import statistics
import sys
import time

from opa_bindings import OpaEngine

SEED_EXPLOITABLE_V1 = """package stella.policy

import rego.v1

default allow := false

exploitable(v) if {
  v.severity == "CRITICAL"
  v.exploitability == "affected"
}

allow if {
  not exploitable_some
}

exploitable_some if {
  some v in input.findings
  exploitable(v)
  not waived(v.id)
}

waived(id) if {
  some w in input.vex
  w.vuln_id == id
  w.status == "not_affected"
  w.justification != ""
}
"""

SEED_EXPLOITABLE_INDEXED_V1 = SEED_EXPLOITABLE_V1.replace(
    """waived(id) if {
  some w in input.vex
  w.vuln_id == id
  w.status == "not_affected"
  w.justification != ""
}
""",
    """waived_ids := {w.vuln_id |
  some w in input.vex
  w.status == "not_affected"
  w.justification != ""
}

waived(id) if {
  waived_ids[id]
}
""",
)
assert "waived_ids" in SEED_EXPLOITABLE_INDEXED_V1

SEED_REKOR_V1 = """package stella.policy

import rego.v1

violation contains msg if {
  some a in input.attestations
  not a.rekor.inclusion_proof
  msg := sprintf("Attestation %s lacks Rekor inclusion proof", [a.id])
}
"""


def time_opa(engine, path, doc, repeats):
    engine.eval_document(path, doc)  # warm the prepared-query cache
    samples = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = engine.eval_document(path, doc)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3, result


def criterion_ms(criterion_dir, bench, n):
    est = criterion_dir / "policy_seed" / bench / str(n) / "new" / "estimates.json"
    data = json.loads(est.read_text())
    return data["median"]["point_estimate"] / 1e6


def engine_with(exploitable):
    engine = OpaEngine()
    engine.add_policy("seed_exploitable.rego", exploitable)
    engine.add_policy("seed_rekor.rego", SEED_REKOR_V1)
    return engine


def main():
    inputs = pathlib.Path(sys.argv[1])
    criterion_dir = pathlib.Path(sys.argv[2])
    engine = engine_with(SEED_EXPLOITABLE_V1)
    indexed = engine_with(SEED_EXPLOITABLE_INDEXED_V1)
    print("seed policies as written (waived(id) scans the VEX list per critical):")
    print(f"{'findings':>9} | {'OPA allow':>10} | {'OPA allow+violation':>19} | "
          f"{'stella evaluate':>15} | {'stella parse+eval':>17} | {'stella no-index':>15} | "
          "ratio OPA/stella (no-index)")
    worst = None
    for n in (100, 1000, 10000):
        doc = json.loads((inputs / f"input-{n}.json").read_text())
        repeats = 20 if n < 10000 else 7
        allow_ms, allow = time_opa(engine, "stella.policy.allow", doc, repeats)
        assert allow is True, f"OPA says allow={allow} on input-{n}"
        both_ms, both = time_opa(engine, "stella.policy", doc, repeats)
        assert both["allow"] is True and not both.get("violation"), both
        ours = criterion_ms(criterion_dir, "evaluate", n)
        ours_full = criterion_ms(criterion_dir, "parse_and_evaluate", n)
        ours_plain = criterion_ms(criterion_dir, "evaluate_no_index", n)
        # Our `evaluate` computes allow and violation, so it is compared with OPA doing the same;
        # the allow-only ratio is shown too.
        ratio = both_ms / ours
        worst = ratio if worst is None else min(worst, ratio)
        print(f"{n:>9} | {allow_ms:>8.3f}ms | {both_ms:>17.3f}ms | {ours:>13.3f}ms | "
              f"{ours_full:>15.3f}ms | {ours_plain:>13.3f}ms | {ratio:.2f}x "
              f"(allow only: {allow_ms / ours:.2f}x; no-index: {both_ms / ours_plain:.2f}x)")
    print(f"slowest ratio: {worst:.2f}x (target: >= 1x everywhere, >= 2x at 10,000)")
    print("indexed formulation (same decisions; waived_ids is a set comprehension built once):")
    print(f"{'findings':>9} | {'OPA allow+violation':>19} | {'stella evaluate':>15} | ratio OPA/stella")
    for n in (100, 1000, 10000):
        doc = json.loads((inputs / f"input-{n}.json").read_text())
        both_ms, both = time_opa(indexed, "stella.policy", doc, 20)
        assert both["allow"] is True and not both.get("violation"), both
        ours = criterion_ms(criterion_dir, "indexed_evaluate", n)
        print(f"{n:>9} | {both_ms:>17.3f}ms | {ours:>13.3f}ms | {both_ms / ours:.2f}x")


if __name__ == "__main__":
    main()
