"""Compares Stella's verdicts with a reference comparator's for the same pairs
(tests/interop/versions.sh). Usage: versions_compare.py NAME OURS REF [BOUND]. Both files hold
`a<TAB>b<TAB>verdict` lines in the same order. Prints the counts (pairs, agreeing, each kind of
disagreement) and the first disagreements; exits 1 if any pair disagrees or the files do not
line up.

BOUND, when given, is Stella's documented number bound for the ecosystem (parsing stays
bounded on hostile input): a version that Stella refuses and the reference accepts *because a
digit run in it is at least BOUND* is counted and reported as "refused by the bound", not as a
disagreement. Any other difference fails."""

import collections
import re
import sys

name, ours_path, ref_path = sys.argv[1:4]
bound = int(sys.argv[4]) if len(sys.argv) > 4 else None


def over_bound(version):
    return bound is not None and any(int(d) >= bound for d in re.findall(r"[0-9]+", version))


def bounded(a, b, ov, rv):
    """Stella refuses exactly the versions over the bound, the reference refuses a subset of
    those (or none) and otherwise the verdicts would be compared: a refusal by the bound."""
    if not ov.startswith("!"):
        return False
    ours_refused = set(ov[1:])
    ref_refused = set(rv[1:]) if rv.startswith("!") else set()
    if not ref_refused <= ours_refused:
        return False
    extra = ours_refused - ref_refused
    return bool(extra) and all(over_bound({"a": a, "b": b}[k]) for k in extra)

with open(ours_path, encoding="utf-8") as f:
    ours = f.read().splitlines()
with open(ref_path, encoding="utf-8") as f:
    ref = f.read().splitlines()
if len(ours) != len(ref) or not ours:
    print(f"FAIL {name}: {len(ours)} pairs from Stella, {len(ref)} from the oracle")
    sys.exit(1)

kinds = collections.Counter()
shown = []
by_bound = 0
for o, r in zip(ours, ref):
    oa, ob, ov = o.split("\t")
    ra, rb, rv = r.split("\t")
    if (oa, ob) != (ra, rb):
        print(f"FAIL {name}: pair mismatch {o!r} / {r!r}")
        sys.exit(1)
    if ov == rv:
        continue
    if bounded(oa, ob, ov, rv):
        by_bound += 1
        continue
    if ov.startswith("!") or rv.startswith("!"):
        kind = "validity (stella " + ov + ", reference " + rv + ")"
    else:
        kind = "order"
    kinds[kind] += 1
    if len(shown) < 15:
        shown.append(f"    {oa!r} vs {ob!r}: stella {ov}, reference {rv}")

total = len(ours)
bad = sum(kinds.values())
valid = sum(1 for r in ref if not r.split("\t")[2].startswith("!"))
bound_note = f", {by_bound} refused by Stella's number bound (>= {bound})" if bound else ""
print(
    f"{name}: {total} pairs ({valid} both valid for the reference), {total - bad - by_bound} agree"
    f"{bound_note}, {bad} disagree"
)
for kind, n in sorted(kinds.items()):
    print(f"    {n:6d} {kind}")
for line in shown:
    print(line)
sys.exit(1 if bad else 0)
