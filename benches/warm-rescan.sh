#!/usr/bin/env bash
# warm-rescan.sh -- `stella sbom` cold vs warm (layer cache) on a real image, as issue 5 asks
# (warm rescan with the layer cache >= 20x faster than cold).
#
# Cold and warm runs alternate (RUNS pairs, default 15) so both see the same machine load; the
# warm runs use `--cache-dir`, primed once before measuring. Prints the median wall time of each,
# the ratio, and checks that the warm SBOM is byte-identical to the cold one.
#
# Usage: benches/warm-rescan.sh [IMAGE]   (default: the OCI layout compare-sbom.sh builds,
#        /tmp/stella-bench-image/out/oci)
# Env:   STELLA=/path/to/stella (default: cargo build --release -p stella-cli), RUNS, WORK.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
IMAGE="${1:-/tmp/stella-bench-image/out/oci}"
if [ -z "${WORK:-}" ]; then
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi
RUNS="${RUNS:-15}"
if [ -z "${STELLA:-}" ]; then
  (cd "$REPO" && cargo build --release -q -p stella-cli)
  STELLA="${CARGO_TARGET_DIR:-$REPO/target}/release/stella"
fi
export STELLA IMAGE WORK RUNS
python3 - <<'PYEOF'
import os, shutil, statistics, subprocess, time
stella, image, work, runs = (os.environ[k] for k in ("STELLA", "IMAGE", "WORK", "RUNS"))
cache = os.path.join(work, "cache")
shutil.rmtree(cache, ignore_errors=True)
cold_out, warm_out = os.path.join(work, "cold.cdx.json"), os.path.join(work, "warm.cdx.json")
cold = [stella, "sbom", image, "-o", "cyclonedx-json", "--output-file", cold_out]
warm = [stella, "sbom", image, "-o", "cyclonedx-json", "--output-file", warm_out,
        "--cache-dir", cache]

def run(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start

run(warm)  # prime the cache
colds, warms = [], []
for _ in range(int(runs)):
    colds.append(run(cold))
    warms.append(run(warm))
c, w = statistics.median(colds), statistics.median(warms)
same = open(cold_out, "rb").read() == open(warm_out, "rb").read()
print(f"image {image}")
print(f"cold  median {c * 1000:8.1f} ms  (min {min(colds) * 1000:.1f})")
print(f"warm  median {w * 1000:8.1f} ms  (min {min(warms) * 1000:.1f})")
print(f"cold/warm {c / w:.1f}x (issue 5 target >= 20x); warm SBOM identical to cold: {same}")
if not same:
    raise SystemExit("warm SBOM differs from the cold one")
PYEOF
