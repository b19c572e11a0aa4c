#!/usr/bin/env bash
# Regenerates stella-attest/tests/data/base64_oracle.json: for each input, what Go's
# encoding/base64 StdEncoding (go run, standard library only) and Python's base64.b64decode
# decode it to (hex), or null when they refuse it. stella-attest's base64 tests check that
# Stella accepts exactly what both accept among the inputs (see b64.rs). Needs go and python3.
set -euo pipefail
cd "$(dirname "$0")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp oracle.go "$WORK/main.go"
(cd "$WORK" && GOFLAGS=-mod=mod GO111MODULE=off go run main.go) > "$WORK/go.json"
python3 oracle.py "$WORK/go.json" > ../../../stella-attest/tests/data/base64_oracle.json
echo "base64 oracle: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' ../../../stella-attest/tests/data/base64_oracle.json) inputs"
