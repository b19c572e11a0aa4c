#!/usr/bin/env bash
# ab-sbom.sh -- two `stella` binaries side by side on one image, in one run: cold `stella sbom`
# (no cache) alternating A/B/B/A, RUNS rounds; median and minimum wall time and median CPU time
# (rusage of the process and its threads) of each, and the ratios. For changes to the SBOM path
# (e.g. issue 21's licence detection, whose budget is 10 % of the cold SBOM time).
#
# Usage: benches/ab-sbom.sh BEFORE-BINARY AFTER-BINARY [IMAGE]
#   IMAGE defaults to the bench image's OCI layout, $OUT/oci (OUT default /tmp/stella-bench-image/out,
#   built by ../shared/tools/bench-image/build-image.sh; see compare-sbom.sh).
# Env: RUNS (default 9). Build the BEFORE binary from the base commit, e.g.
#   git archive BASE | tar -x -C /tmp/base && (cd /tmp/base && cargo build --release -p stella-cli)
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,12p' "$0"; exit 2; }
OUT="${OUT:-/tmp/stella-bench-image/out}"
export BEFORE="$1" AFTER="$2" IMAGE="${3:-$OUT/oci}" RUNS="${RUNS:-9}"
python3 - <<'PYEOF'
import os, statistics, subprocess, tempfile, time
runs, image = int(os.environ["RUNS"]), os.environ["IMAGE"]
tools = {"before": os.environ["BEFORE"], "after": os.environ["AFTER"]}
wall = {k: [] for k in tools}
cpu = {k: [] for k in tools}
with tempfile.TemporaryDirectory() as tmp:
    for i in range(runs):
        order = list(tools.items())
        if i % 2:
            order.reverse()
        for name, exe in order:
            t0 = time.monotonic()
            p = subprocess.Popen([exe, "sbom", image, "--output-file", f"{tmp}/{name}.json"],
                                 env=dict(os.environ, SOURCE_DATE_EPOCH="1704067200"))
            _, status, ru = os.wait4(p.pid, 0)
            wall[name].append(time.monotonic() - t0)
            cpu[name].append(ru.ru_utime + ru.ru_stime)
            if status != 0:
                raise SystemExit(f"{name}: {exe} failed ({status})")
for name in tools:
    print(f"{name:7} median wall {statistics.median(wall[name]):.3f} s  min {min(wall[name]):.3f} s"
          f"  median cpu {statistics.median(cpu[name]):.3f} s  ({runs} runs)")
w = statistics.median(wall["after"]) / statistics.median(wall["before"])
m = min(wall["after"]) / min(wall["before"])
c = statistics.median(cpu["after"]) / statistics.median(cpu["before"])
print(f"after/before: median wall {w:.3f}  min wall {m:.3f}  median cpu {c:.3f}")
PYEOF
