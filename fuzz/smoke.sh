#!/usr/bin/env bash
# The fuzz smoke test (outside CI; CI only checks the targets compile): builds every fuzz target (stable Rust, `--sanitizer none`, into a
# target dir under $HOME/.cache/stella-ops/ so CI rebuilds incrementally) and runs each one
# briefly, failing on any crash, timeout or out-of-memory. Prints the run-all.sh table.
#
#   fuzz/smoke.sh                        # FUZZ_SMOKE_SECONDS per target (default 10)
#   FUZZ_SMOKE_SECONDS=30 fuzz/smoke.sh
#
# The default keeps the whole smoke, warm build included, under ~5 minutes on 2 cores: 23
# targets x 10 s on 2 parallel jobs is ~2 minutes of fuzzing (see fuzz/README.md for the
# measured cold and warm times). The long runs are `fuzz/run-all.sh 600`.
set -euo pipefail
cd "$(dirname "$0")"
export FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/stella-ops/target-fuzz}"
cores=$(nproc 2>/dev/null || echo 1)
export FUZZ_JOBS="${FUZZ_JOBS:-$cores}"
start=$(date +%s)
status=0
./run-all.sh "${FUZZ_SMOKE_SECONDS:-10}" || status=$?
echo "fuzz smoke: $(( $(date +%s) - start )) s with $FUZZ_JOBS parallel jobs"
exit "$status"
