#!/usr/bin/env bash
# stella-policy against OPA's own Go engine, on the same policies and inputs in the same run.
#
# The only offline OPA here is the PyPI package opa-golib-python-bindings (Go OPA compiled into a
# Python extension); it is installed into a venv under $HOME/.cache. The criterion bench
# benches/policy.rs writes the inputs (100 / 1,000 / 10,000 findings, 10% as many VEX
# statements) and times stella-policy; compare_opa.py then times OPA on those files and prints
# the ratios. Not run in CI.
#
# Usage: benches/compare-opa.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$HOME/.cache/stella-opa-venv"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import opa_bindings" 2>/dev/null; then
  # The wheel declares a newer Python than some machines have; it works regardless.
  "$venv/bin/pip" install --quiet --ignore-requires-python "opa-golib-python-bindings==0.4.4"
fi

cd "$root"
cargo bench -p stella-benches --bench policy -- --noplot 'policy_seed/(evaluate|evaluate_no_index|parse_and_evaluate|indexed_evaluate)/'
"$venv/bin/python" "$root/benches/compare_opa.py" "$target/policy-bench" "$target/criterion"
